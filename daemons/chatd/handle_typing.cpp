#include "handlers.hpp"

#include "proto/protocol.hpp"

namespace rtchat::chatd {

// "Typing…": nothing stored, only passed on to whoever follows the chat.
proto::json handle_typing(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    if (!store::is_open(call.server.store().state_of(chat_id)))
        return proto::json::object();
    call.server.publish(
        chat_id,
        proto::event_line("typing", {{"chat", chat_id}, {"who", "co"}, {"name", call.actor}}));
    return proto::json::object();
}

} // namespace rtchat::chatd
