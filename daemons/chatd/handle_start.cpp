#include "guest_link.hpp"
#include "handlers.hpp"
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
    const GuestLink link = mint_guest_link(call.server.config(), call.server.store().now());
    chat.link_hash = link.hash;
    chat.link_expires_at = link.expires_at;

    store::Chat created = call.server.store().create_chat(chat);
    log::info("chat_started",
              {{"chat", created.id},
               {"co", call.actor},
               {"rt_ticket", created.rt_ticket ? std::to_string(*created.rt_ticket) : "-"},
               {"rt_system", created.rt_system.empty() ? "-" : created.rt_system}});
    proto::json chat_json = proto::to_json(created);
    call.server.publish_chat(created);
    return proto::json{{"chat", std::move(chat_json)}, {"link", link.to_json()}};
}

} // namespace rtchat::chatd
