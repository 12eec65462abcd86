#pragma once

#include "config/config.hpp"
#include "proto/protocol.hpp"

#include <cstdint>
#include <string>

namespace rtchat::chatd {

/// A freshly minted guest link: the URL for the user, the hash for the store.
struct GuestLink {
    std::string url;
    std::string hash;
    int64_t expires_at = 0;

    proto::json to_json() const { return {{"url", url}, {"expires_at", expires_at}}; }
};

/// Mints a link under [web] base_url that lives for [chatd] link_ttl from `now`.
GuestLink mint_guest_link(const config::Config& config, int64_t now);

/// `path` on chat-webd as users reach it ([web] base_url).
std::string web_address(const config::Config& config, std::string_view path);

} // namespace rtchat::chatd
