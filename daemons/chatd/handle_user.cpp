// What chat-webd may do for a user: spend a guest link for a session, then
// read, write and follow that session's chat only. The session token is
// the user's credential; chatd keeps only its hash.

#include "handlers.hpp"
#include "validate.hpp"

#include "auth/token.hpp"
#include "log/log.hpp"
#include "proto/chat_json.hpp"

namespace rtchat::chatd {
namespace {

store::WebSession session_of(Call& call, bool even_if_ended = false) {
    const std::string token = proto::require_string(call.body, "session");
    if (!auth::looks_like_token(token))
        throw store::NotFound("this session is not valid or has ended");
    return call.server.store().find_session(auth::hash_token(token), even_if_ended);
}

} // namespace

proto::json handle_redeem(Call& call) {
    const std::string token = proto::require_string(call.body, "token");
    if (!auth::looks_like_token(token))
        throw store::NotFound("this link is not valid");
    store::Store& store = call.server.store();
    const auth::MintedToken session = auth::mint_token();
    const int64_t expires_at =
        store.now() + call.server.config().get_duration("web", "session_ttl").count() * 1000;
    const store::WebSession ws =
        store.redeem_guest_link(auth::hash_token(token), session.hash, expires_at);
    const store::Chat chat = store.get_chat(ws.chat_id);
    log::info("link_redeemed", {{"chat", chat.id}, {"state", store::to_string(chat.state)}});
    call.server.publish_chat(chat);
    return proto::json{{"session", session.token},
                       {"expires_at", expires_at},
                       {"chat", proto::to_user_json(chat)}};
}

// A user the site signed in (chat-webd names them in "as_user"): their
// open chats, or a session for one of them. Only chats whose user is that
// login; anyone else's chat is "not found".
proto::json handle_user_login(Call& call) {
    const std::string user = proto::require_string(call.body, "as_user");
    store::Store& store = call.server.store();
    const auto chat_id = proto::optional_int(call.body, "chat");
    if (!chat_id) {
        proto::json chats = proto::json::array();
        for (const store::Chat& c : store.open_chats_of_user(user))
            chats.push_back(proto::to_user_json(c));
        return proto::json{{"chats", std::move(chats)}};
    }
    const auth::MintedToken session = auth::mint_token();
    const int64_t expires_at =
        store.now() + call.server.config().get_duration("web", "session_ttl").count() * 1000;
    store.open_session_for_user(*chat_id, user, session.hash, expires_at);
    const store::Chat chat = store.get_chat(*chat_id);
    log::info("user_signed_in", {{"chat", chat.id}});
    call.server.publish_chat(chat);
    return proto::json{{"session", session.token},
                       {"expires_at", expires_at},
                       {"chat", proto::to_user_json(chat)}};
}

proto::json handle_user_show(Call& call) {
    // A session of an ended chat may still learn that it ended, and nothing
    // else: a page that (re)connects after the end — the CO closed it while
    // the page was loading, or the end event was lost with the connection —
    // then says "This chat has ended" instead of losing the chat.
    const store::WebSession ws = session_of(call, true);
    store::Store& store = call.server.store();
    if (const store::Chat chat = store.get_chat(ws.chat_id); !store::is_open(chat.state))
        return proto::json{{"chat", proto::to_user_json(chat)},
                           {"messages", proto::json::array()},
                           {"co_online", false}};
    proto::json messages = proto::json::array();
    for (const store::Message& m : store.messages(ws.chat_id))
        messages.push_back(proto::to_json(m));
    const store::Chat chat = store.get_chat(ws.chat_id);
    return proto::json{{"chat", proto::to_user_json(chat)},
                       {"messages", std::move(messages)},
                       {"co_online", call.server.co_online(chat)}};
}

// The web tells how the user's page is: open and seen (online), open in the
// background (away), or closed (gone).
proto::json handle_user_presence(Call& call) {
    const store::WebSession ws = session_of(call);
    const std::string state = proto::require_string(call.body, "state");
    if (state != "online" && state != "away" && state != "gone")
        throw proto::ProtocolError(proto::ErrorCode::bad_request,
                                   "\"state\" must be online, away or gone");
    call.server.set_user_presence(ws.chat_id, state);
    return proto::json::object();
}

proto::json handle_user_say(Call& call) {
    const store::WebSession ws = session_of(call);
    const std::string text = checked_text(
        proto::require_string(call.body, "text"),
        static_cast<size_t>(call.server.config().get_int("chatd", "max_message_bytes")), "message",
        false);
    store::Message m =
        call.server.store().add_message(ws.chat_id, ws.user_name, store::Role::user, text);
    proto::json message = proto::to_json(m);
    call.server.message_stored(m);
    return proto::json{{"message", std::move(message)}};
}

proto::json handle_user_subscribe(Call& call) {
    const store::WebSession ws = session_of(call);
    proto::json body = call.body;
    body["chat"] = ws.chat_id;
    Call for_chat{call.server, call.client, body, call.actor};
    proto::json result = handle_subscribe(for_chat);
    result["chat"] = proto::to_user_json(call.server.store().get_chat(ws.chat_id));
    return result;
}

proto::json handle_user_typing(Call& call) {
    const store::WebSession ws = session_of(call);
    call.server.user_typing(ws.chat_id, ws.user_name);
    return proto::json::object();
}

// chat-webd: a CO opened their first console page, or closed the last.
proto::json handle_co_presence(Call& call) {
    if (!call.body.contains("as_co"))
        throw proto::ProtocolError(proto::ErrorCode::bad_request, "missing \"as_co\"");
    const std::string state = proto::require_string(call.body, "state");
    if (state != "online" && state != "gone")
        throw proto::ProtocolError(proto::ErrorCode::bad_request,
                                   "\"state\" must be online or gone");
    call.server.set_console_open(call.actor, state == "online");
    return proto::json::object();
}

} // namespace rtchat::chatd
