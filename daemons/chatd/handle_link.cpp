#include "guest_link.hpp"
#include "handlers.hpp"

#include "log/log.hpp"

namespace rtchat::chatd {

// Only a hash of each link is stored, so the link cannot be shown again:
// asking for it mints a new one and revokes the old.
proto::json handle_link(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    const GuestLink link = mint_guest_link(call.server.config(), call.server.store().now());
    call.server.store().replace_guest_link(chat_id, link.hash, link.expires_at);
    log::info("link_reissued", {{"chat", chat_id}, {"co", call.actor}});
    return proto::json{{"link", link.to_json()}};
}

} // namespace rtchat::chatd
