#pragma once
// One function per request op, each in its own handle_<op>.cpp.

#include "proto/protocol.hpp"
#include "server.hpp"

namespace rtchat::chatd {

struct Call {
    Server& server;
    Client& client;
    const proto::json& body;
    /// Who acts: the peer's login for a CO's own connection, or the CO that
    /// chat-webd signed in (through Apache) and chatd checked.
    std::string actor;
};

using Handler = proto::json (*)(Call&);

proto::json handle_start(Call& call);
proto::json handle_list(Call& call);
proto::json handle_show(Call& call);
proto::json handle_transcript(Call& call);
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
