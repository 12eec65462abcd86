#pragma once
// One function per request op, each in its own handle_<op>.cpp.

#include "proto/protocol.hpp"
#include "server.hpp"

#include <functional>

namespace rtchat::chatd {

/// Where a reply goes that is sent after the handler returned (once RT
/// answered): dropped if the client has left by then.
struct Later {
    uint64_t client = 0;
    proto::json id;
};

struct Call {
    Server& server;
    Client& client;
    const proto::json& body;
    /// Who acts: the peer's login for a CO's own connection, or the CO that
    /// chat-webd signed in (through Apache) and chatd checked.
    std::string actor;
    proto::json request_id = nullptr;
    bool deferred = false;

    /// The handler answers later, through reply_later(); what it returns now
    /// is ignored.
    Later defer() {
        deferred = true;
        return Later{client.id, request_id};
    }
};

/// Sends the result of `make` to a deferred request's client, or the error
/// it threw (as dispatch() would have).
void reply_later(Server& server, const Later& later, const std::function<proto::json()>& make);

using Handler = proto::json (*)(Call&);

proto::json handle_start(Call& call);
proto::json handle_list(Call& call);
proto::json handle_show(Call& call);
proto::json handle_transcript(Call& call);
proto::json handle_ticket(Call& call);
proto::json handle_say(Call& call);
proto::json handle_close(Call& call);
proto::json handle_link(Call& call);
proto::json handle_status(Call& call);
proto::json handle_subscribe(Call& call);
proto::json handle_unsubscribe(Call& call);

// For chat-webd, on behalf of the user holding a session (handle_user.cpp).
proto::json handle_redeem(Call& call);
proto::json handle_user_login(Call& call);
proto::json handle_user_show(Call& call);
proto::json handle_user_say(Call& call);
proto::json handle_user_subscribe(Call& call);
proto::json handle_user_presence(Call& call);
proto::json handle_co_presence(Call& call);
proto::json handle_typing(Call& call);
proto::json handle_user_typing(Call& call);

} // namespace rtchat::chatd
