#pragma once
// Checks on what clients send; each throws ProtocolError with a message
// that says what was wrong.

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

} // namespace rtchat::chatd
