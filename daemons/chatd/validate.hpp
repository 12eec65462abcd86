#pragma once
// Checks on what clients send; each throws ProtocolError with a message
// that says what was wrong.

#include "config/config.hpp"

#include <string>
#include <string_view>

namespace rtchat::chatd {

/// Chat text (a message or a summary): valid UTF-8, no control characters
/// but tab and newline, at most `max_bytes`. Returns it with CRLF made LF.
std::string checked_text(std::string_view text, size_t max_bytes, std::string_view what,
                         bool allow_empty);
/// A user name: 1..128 bytes, printable, no spaces at either end.
std::string checked_user_name(std::string_view name);
/// An email address in its plain addr-spec form, or empty.
std::string checked_email(std::string_view email);

/// The RT system a new chat's transcript goes to: `name` when it is an
/// [rt.NAME] of the configuration; empty (chat2rt decides) when none is
/// named and that is unambiguous. Throws ProtocolError(bad_request) listing
/// the choices otherwise.
std::string checked_rt_system(const config::Config& config, const std::string& name);

} // namespace rtchat::chatd
