#include "guest_link.hpp"

#include "auth/token.hpp"

namespace rtchat::chatd {

std::string web_address(const config::Config& config, std::string_view path) {
    std::string base = config.get("web", "base_url");
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return base + std::string(path);
}

GuestLink mint_guest_link(const config::Config& config, int64_t now) {
    auth::MintedToken token = auth::mint_token();
    return GuestLink{web_address(config, "/c/" + token.token), std::move(token.hash),
                     now + config.get_duration("chatd", "link_ttl").count() * 1000};
}

} // namespace rtchat::chatd
