#pragma once
// Guest-link tokens: 256 bits from the kernel's random source, handed out
// once in base64url; only their SHA-256 is ever stored.

#include <string>
#include <string_view>

namespace rtchat::auth {

struct MintedToken {
    std::string token; ///< for the link; never stored or logged
    std::string hash;  ///< 32 raw bytes, for the store
};

MintedToken mint_token();
/// SHA-256 of the token text, as 32 raw bytes.
std::string hash_token(std::string_view token);
/// A value only a holder of `secret` can compute, for `purpose` (such as a
/// CSRF token derived from a session token), in base64url.
std::string derive_token(std::string_view purpose, std::string_view secret);
/// Compares without leaking where two strings differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

/// True when `token` has the shape mint_token() produces (43 base64url characters).
bool looks_like_token(std::string_view token);

} // namespace rtchat::auth
