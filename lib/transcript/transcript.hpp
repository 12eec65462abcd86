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
    std::string template_text;     ///< templates/transcript.txt
    std::string log_template_text; ///< templates/transcript-log.txt
    std::string from;              ///< the From: address
    std::string rtname;            ///< RT's subject tag name; empty: no tag
};

/// How this copy of the transcript is laid out.
struct Form {
    /// The log goes in an attachment (`Rendered::log`) instead of being
    /// quoted below the summary.
    bool log_attached = false;
    /// Why the transcript is not in the chat's own ticket; shown at the top.
    std::string flag;
};

struct Rendered {
    std::string subject;
    std::string body;         ///< UTF-8 text, lines of at most 998 bytes
    std::string message;      ///< headers and body, CRLF line ends
    std::string log;          ///< the conversation alone, for an attachment
    std::string log_filename; ///< chat-ID.txt
};

/// Times are shown in the process's time zone (TZ).
Rendered render(const store::Chat& chat, const std::vector<store::Message>& messages,
                const std::string& marker, const Options& options, int64_t now_ms,
                const Form& form = {});

/// Reads templates/transcript.txt and transcript-log.txt from `share_dir`.
Options load_options(const std::string& share_dir, std::string from, std::string rtname);

/// RFC 2047 encoded-word form of a header value when it is not plain ASCII.
std::string encode_header(const std::string& value);

} // namespace rtchat::transcript
