#include "handlers.hpp"

#include "proto/chat_json.hpp"

namespace rtchat::chatd {

// With "chat", events of that chat; without, of every chat. With "after",
// the chat's messages newer than that id are sent first as events, so a
// client that reconnects misses nothing and sees nothing twice.
proto::json handle_subscribe(Call& call) {
    const auto chat_id = proto::optional_int(call.body, "chat");
    if (!chat_id) {
        if (call.body.contains("after"))
            throw proto::ProtocolError(proto::ErrorCode::bad_request, "\"after\" needs \"chat\"");
        call.client.watches_all = true;
        if (call.client.co)
            call.server.co_presence_may_have_changed(call.client.name);
        return proto::json{{"chat", nullptr}};
    }
    store::Store& store = call.server.store();
    store::Chat chat = store.get_chat(*chat_id);
    call.client.watched_chats.insert(*chat_id);
    if (call.client.co)
        call.server.co_presence_may_have_changed(call.client.name);
    proto::json result{{"chat", proto::to_json(chat)},
                       {"user_presence", call.server.user_presence(chat.id)}};
    if (auto after = call.body.find("after");
        after != call.body.end() && after->is_number_integer()) {
        // The backlog goes out before the reply; live events can only follow it.
        std::vector<std::string> backlog;
        for (const store::Message& m : store.messages(*chat_id, after->get<int64_t>()))
            backlog.push_back(
                proto::event_line("message", {{"chat", *chat_id}, {"message", proto::to_json(m)}}));
        result["replayed"] = backlog.size();
        for (const std::string& line : backlog)
            call.server.send_to(call.client, line);
    }
    return result;
}

proto::json handle_unsubscribe(Call& call) {
    const auto chat_id = proto::optional_int(call.body, "chat");
    if (chat_id)
        call.client.watched_chats.erase(*chat_id);
    else {
        call.client.watches_all = false;
        call.client.watched_chats.clear();
    }
    if (call.client.co)
        call.server.co_presence_may_have_changed(call.client.name);
    return proto::json::object();
}

} // namespace rtchat::chatd
