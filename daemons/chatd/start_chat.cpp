#include "start_chat.hpp"

#include "log/log.hpp"
#include "server.hpp"

namespace rtchat::chatd {

StartedChat start_chat(Server& server, store::NewChat chat, bool by_login, const std::string& via) {
    GuestLink link = by_login ? GuestLink{web_address(server.config(), "/my/"), "", 0}
                              : mint_guest_link(server.config(), server.store().now());
    chat.link_hash = link.hash;
    chat.link_expires_at = link.expires_at;
    store::Chat created = server.store().create_chat(chat);
    server.publish_chat(created);
    log::info("chat_started",
              {{"chat", created.id},
               {"co", created.created_by},
               {"rt_ticket", created.rt_ticket ? std::to_string(*created.rt_ticket) : "-"},
               {"rt_system", created.rt_system.empty() ? "-" : created.rt_system},
               {"from", via.empty() ? "-" : via}});
    return StartedChat{std::move(created), std::move(link)};
}

} // namespace rtchat::chatd
