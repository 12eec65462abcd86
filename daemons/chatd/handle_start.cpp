#include "handlers.hpp"
#include "start_chat.hpp"
#include "start_from_rt.hpp"
#include "validate.hpp"

#include "log/log.hpp"
#include "proto/chat_json.hpp"

namespace rtchat::chatd {

proto::json handle_start(Call& call) {
    const std::optional<int64_t> rt_ticket = proto::optional_int(call.body, "rt_ticket");
    const std::string rt_system =
        checked_rt_system(call.server.config(), proto::optional_string(call.body, "rt_system"));
    // With a ticket and an RT that can be asked, the ticket says who the
    // chat is for; otherwise the CO does.
    if (rt_ticket) {
        if (const auto system = call.server.rt().system_with_api(rt_system)) {
            start_from_rt(call, *system, *rt_ticket);
            return {};
        }
    }
    store::NewChat chat;
    chat.user_name = checked_user_name(proto::require_string(call.body, "user"));
    chat.user_email = checked_email(proto::optional_string(call.body, "email"));
    chat.rt_ticket = rt_ticket;
    chat.rt_system = rt_system;
    chat.created_by = call.actor;
    const StartedChat started = start_chat(call.server, std::move(chat));
    return proto::json{{"chat", proto::to_json(started.chat)}, {"link", started.link.to_json()}};
}

} // namespace rtchat::chatd
