#include "guest_link.hpp"

#include "auth/token.hpp"

namespace rtchat::chatd {

GuestLink mint_guest_link(const config::Config& config, int64_t now) {
    auth::MintedToken token = auth::mint_token();
    std::string base = config.get("web", "base_url");
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return GuestLink{base + "/c/" + token.token, std::move(token.hash),
                     now + config.get_duration("chatd", "link_ttl").count() * 1000};
}

} // namespace rtchat::chatd
