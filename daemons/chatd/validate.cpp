#include "validate.hpp"

#include "proto/protocol.hpp"
#include "proto/utf8.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rtchat::chatd {
namespace {

using proto::ErrorCode;
using proto::ProtocolError;

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\n") == std::string_view::npos;
}

} // namespace

std::string checked_text(std::string_view text, size_t max_bytes, std::string_view what,
                         bool allow_empty) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            continue;
        out += text[i];
    }
    if (out.size() > max_bytes)
        throw ProtocolError(ErrorCode::too_large, fmt::format("{} is {} bytes; the limit is {}",
                                                              what, out.size(), max_bytes));
    if (!proto::is_valid_utf8(out))
        throw ProtocolError(ErrorCode::bad_request, fmt::format("{} is not valid UTF-8", what));
    if (proto::has_control_characters(out))
        throw ProtocolError(ErrorCode::bad_request,
                            fmt::format("{} contains control characters", what));
    if (!allow_empty && is_blank(out))
        throw ProtocolError(ErrorCode::bad_request, fmt::format("{} is empty", what));
    return out;
}

std::string checked_user_name(std::string_view name) {
    if (name.empty() || is_blank(name))
        throw ProtocolError(ErrorCode::bad_request, "user name is empty");
    if (name.size() > 128)
        throw ProtocolError(ErrorCode::too_large, "user name is longer than 128 bytes");
    if (!proto::is_valid_utf8(name) || proto::has_control_characters(name) ||
        name.find('\n') != std::string_view::npos || name.find('\t') != std::string_view::npos)
        throw ProtocolError(ErrorCode::bad_request,
                            "user name must be printable UTF-8 on one line");
    if (name.front() == ' ' || name.back() == ' ')
        throw ProtocolError(ErrorCode::bad_request, "user name has spaces at its ends");
    return std::string(name);
}

std::string checked_email(std::string_view email) {
    if (email.empty())
        return {};
    const size_t at = email.rfind('@');
    const bool shaped = email.size() <= 254 && at != std::string_view::npos && at > 0 &&
                        at + 1 < email.size() &&
                        email.find_first_of(" \t\r\n<>,;\"()[]\\") == std::string_view::npos &&
                        proto::is_valid_utf8(email) && !proto::has_control_characters(email);
    if (!shaped)
        throw ProtocolError(
            ErrorCode::bad_request,
            fmt::format("'{}' is not an email address such as alice@example.org", email));
    return std::string(email);
}

std::string checked_rt_system(const config::Config& config, const std::string& name) {
    const std::vector<std::string>& systems = config.named_sections("rt");
    std::string choices;
    for (const std::string& s : systems)
        choices += (choices.empty() ? "" : ", ") + s;
    if (name.empty()) {
        if (systems.size() > 1 && config.get("chat2rt", "default_rt").empty())
            throw ProtocolError(
                ErrorCode::bad_request,
                fmt::format("several RT systems are configured ({}); name one in rt_system "
                            "(chatctl start --rt-system)",
                            choices));
        return {};
    }
    if (std::find(systems.begin(), systems.end(), name) == systems.end())
        throw ProtocolError(ErrorCode::bad_request,
                            systems.empty()
                                ? fmt::format("no RT system '{}': none is configured", name)
                                : fmt::format("no RT system '{}'; configured: {}", name, choices));
    return name;
}

} // namespace rtchat::chatd
