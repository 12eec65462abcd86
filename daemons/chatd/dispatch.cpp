#include "handlers.hpp"

#include "auth/peer.hpp"
#include "log/log.hpp"
#include "store/store.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace rtchat::chatd {
namespace {

using proto::ErrorCode;

enum class Who { co, web, both };

struct Op {
    std::string_view name;
    Handler handler;
    Who who;
};

// Which peers may use which op: COs run chats; chat-webd acts for the user
// of a session it holds, and for nothing else.
constexpr std::array ops{
    Op{"start", &handle_start, Who::co},
    Op{"list", &handle_list, Who::co},
    Op{"show", &handle_show, Who::co},
    Op{"transcript", &handle_transcript, Who::co},
    Op{"ticket", &handle_ticket, Who::co},
    Op{"say", &handle_say, Who::co},
    Op{"close", &handle_close, Who::co},
    Op{"link", &handle_link, Who::co},
    Op{"subscribe", &handle_subscribe, Who::co},
    Op{"co_presence", &handle_co_presence, Who::web},
    Op{"typing", &handle_typing, Who::co},
    Op{"user_typing", &handle_user_typing, Who::web},
    Op{"unsubscribe", &handle_unsubscribe, Who::both},
    Op{"status", &handle_status, Who::both},
    Op{"redeem", &handle_redeem, Who::web},
    Op{"user_login", &handle_user_login, Who::web},
    Op{"user_show", &handle_user_show, Who::web},
    Op{"user_say", &handle_user_say, Who::web},
    Op{"user_subscribe", &handle_user_subscribe, Who::web},
    Op{"user_presence", &handle_user_presence, Who::web},
};

const Op* find_op(std::string_view name) {
    for (const Op& op : ops)
        if (op.name == name)
            return &op;
    return nullptr;
}

bool allowed(const Op& op, const Client& client, bool acting_for_co) {
    return (client.co && op.who != Who::web) ||
           (client.web && (op.who != Who::co || acting_for_co));
}

// chat-webd may act for a CO that Apache signed in: "as_co" names them, and
// chatd checks that they are a CO before anything is done in their name.
std::string acting_co(Server& server, const Client& client, const proto::json& body) {
    if (!client.web || !body.contains("as_co"))
        return {};
    const std::string name = proto::require_string(body, "as_co");
    if (!auth::is_co_name(name, server.config().get("chatd", "co_group")))
        throw proto::ProtocolError(
            ErrorCode::not_authorised,
            fmt::format("not authorised: {} is not a CO (not root, not in group '{}')", name,
                        server.config().get("chatd", "co_group")));
    return name;
}

} // namespace

void refuse_oversized(Server& server, Client& client, size_t bytes) {
    log::warning("request_refused",
                 {{"client", client.id}, {"reason", "too_large"}, {"bytes", bytes}});
    server.send_to(
        client, proto::reply_error(nullptr, ErrorCode::too_large,
                                   fmt::format("request is longer than {} bytes",
                                               server.config().get("chatd", "max_request_bytes"))));
}

// The reply line for an exception a handler threw.
std::string error_reply(const proto::json& id, const std::string& op, const Client& client) {
    try {
        throw;
    } catch (const proto::ProtocolError& e) {
        log::info("request_refused", {{"client", client.id},
                                      {"uid", client.peer.uid},
                                      {"op", op.empty() ? "-" : op},
                                      {"code", proto::to_string(e.code())}});
        return proto::reply_error(id, e.code(), e.what());
    } catch (const store::NotFound& e) {
        return proto::reply_error(id, ErrorCode::not_found, e.what());
    } catch (const store::InvalidState& e) {
        return proto::reply_error(id, ErrorCode::invalid_state, e.what());
    } catch (const store::DbError& e) {
        const bool busy = (e.code() & 0xff) == SQLITE_BUSY || (e.code() & 0xff) == SQLITE_LOCKED;
        log::error("store_error", {{"op", op}, {"error", e.what()}});
        return proto::reply_error(id, busy ? ErrorCode::unavailable : ErrorCode::internal,
                                  busy ? "the store is busy; try again"
                                       : "chatd could not use its store; see its log");
    } catch (const std::exception& e) {
        log::error("request_failed", {{"op", op}, {"error", e.what()}});
        return proto::reply_error(id, ErrorCode::internal, "internal error in chatd; see its log");
    }
}

// Every path through here sends exactly one reply: the handler's result, or
// an error made from whatever it threw; or, for a deferred request, the one
// reply_later() sends.
void dispatch(Server& server, Client& client, const std::string& line) {
    proto::json id = nullptr;
    std::string op;
    std::string reply;
    try {
        if (!client.co && !client.web) {
            // A refused peer gets its answer, then the connection is closed:
            // nothing else here is for it.
            client.closing = true;
            try {
                proto::parse_request(line, id); // only for the id to answer with
            } catch (const proto::ProtocolError&) {
            }
            throw proto::ProtocolError(
                ErrorCode::not_authorised,
                fmt::format("not authorised: {} (uid {}) is not a CO; only root and members of "
                            "group '{}' may use chatd",
                            client.name, client.peer.uid,
                            server.config().get("chatd", "co_group")));
        }
        proto::Request request = proto::parse_request(line, id);
        op = request.op;
        const Op* found = find_op(op);
        if (!found)
            throw proto::ProtocolError(ErrorCode::bad_request, fmt::format("unknown op '{}'", op));
        const std::string as_co = acting_co(server, client, request.body);
        if (!allowed(*found, client, !as_co.empty()))
            throw proto::ProtocolError(ErrorCode::not_authorised,
                                       fmt::format("not authorised: '{}' is not for {}", op,
                                                   client.co ? "COs" : "the web service"));
        Call call{server, client, request.body, as_co.empty() ? client.name : as_co, id};
        proto::json result = found->handler(call);
        log::debug("request", {{"client", client.id}, {"op", op}});
        if (call.deferred)
            return;
        reply = proto::reply_ok(id, std::move(result));
    } catch (...) {
        reply = error_reply(id, op, client);
    }
    // Outside the try: a store that cannot sync must not be answered as
    // if the request had failed (it was committed); chatd stops instead.
    server.reply(client, reply);
}

void reply_later(Server& server, const Later& later, const std::function<proto::json()>& make) {
    Client* client = server.find_client(later.client);
    std::string line;
    try {
        line = proto::reply_ok(later.id, make());
    } catch (...) {
        if (!client)
            return;
        line = error_reply(later.id, "", *client);
    }
    if (client) {
        server.reply(*client, line);
        server.settle();
    }
}

} // namespace rtchat::chatd
