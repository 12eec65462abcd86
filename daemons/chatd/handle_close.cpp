#include "handlers.hpp"
#include "validate.hpp"

#include "log/log.hpp"
#include "proto/chat_json.hpp"

namespace rtchat::chatd {

proto::json handle_close(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    const std::string summary = checked_text(
        proto::optional_string(call.body, "summary"),
        static_cast<size_t>(call.server.config().get_int("chatd", "max_message_bytes")), "summary",
        true);
    store::Chat chat = call.server.store().close_chat(chat_id, call.actor, summary, "closed by CO");
    log::info("chat_closed",
              {{"chat", chat_id}, {"co", call.actor}, {"messages", chat.message_count}});
    proto::json chat_json = proto::to_json(chat);
    call.server.publish_chat(chat);
    return proto::json{{"chat", std::move(chat_json)}};
}

} // namespace rtchat::chatd
