#pragma once

#include <string>
#include <string_view>

namespace rtchat::encoding {

/// RFC 4648 base64 with padding (MIME, RFC 2047 encoded words).
std::string base64(std::string_view bytes);
/// RFC 4648 base64url without padding (tokens in URLs and cookies).
std::string base64url(std::string_view bytes);

} // namespace rtchat::encoding
