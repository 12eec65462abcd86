#include "handlers.hpp"

#include "log/log.hpp"

namespace rtchat::chatd {

// Only a hash of each link is stored, so the link cannot be shown again:
// asking for it mints a new one and revokes the old.
proto::json handle_link(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    call.server.store().get_chat(chat_id);
    proto::json link = issue_guest_link(call.server, chat_id);
    log::info("link_reissued", {{"chat", chat_id}, {"co", call.client.name}});
    return proto::json{{"link", std::move(link)}};
}

} // namespace rtchat::chatd
