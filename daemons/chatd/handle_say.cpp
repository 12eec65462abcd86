#include "handlers.hpp"
#include "validate.hpp"

#include "log/log.hpp"
#include "proto/chat_json.hpp"

namespace rtchat::chatd {

// The reply goes out only after the message is committed: an acknowledged
// message survives chatd being killed.
proto::json handle_say(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    const std::string text = checked_text(
        proto::require_string(call.body, "text"),
        static_cast<size_t>(call.server.config().get_int("chatd", "max_message_bytes")), "message",
        false);
    store::Message m = call.server.store().add_message(chat_id, call.actor, store::Role::co, text);
    proto::json message = proto::to_json(m);
    call.server.message_stored(m);
    log::debug("message_stored", {{"chat", chat_id}, {"message", m.id}, {"bytes", text.size()}});
    return proto::json{{"message", std::move(message)}};
}

} // namespace rtchat::chatd
