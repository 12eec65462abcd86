#pragma once
// A finished chat as an RFC 5322 message for RT: the header facts and the
// CO's summary first, then the whole conversation quoted ("> "), which RT's
// ticket page folds away behind "Show quoted text". The text comes from the
// mustache template templates/transcript.txt.

#include "store/store.hpp"

#include <string>
#include <vector>

namespace rtchat::transcript {

struct Options {
    std::string template_text; ///< templates/transcript.txt
    std::string from;          ///< the From: address
    std::string rtname;        ///< RT's subject tag name; empty: no tag
};

struct Rendered {
    std::string subject;
    std::string body;    ///< UTF-8 text, lines of at most 998 bytes
    std::string message; ///< headers and body, CRLF line ends
};

/// Times are shown in the process's time zone (TZ).
Rendered render(const store::Chat& chat, const std::vector<store::Message>& messages,
                const std::string& marker, const Options& options, int64_t now_ms);

/// RFC 2047 encoded-word form of a header value when it is not plain ASCII.
std::string encode_header(const std::string& value);

} // namespace rtchat::transcript
