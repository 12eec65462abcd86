#include "print.hpp"

#include "timefmt/local_time.hpp"

#include <ctime>
#include <fmt/format.h>
#include <iostream>

namespace rtchat::chatctl {

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' || c == '\t') {
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else if (c == 0xC2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
            ++i;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

namespace {} // namespace

std::string local_time(const proto::json& ms) {
    if (!ms.is_number_integer())
        return "-";
    return timefmt::local_time(ms.get<int64_t>(), "%Y-%m-%d %H:%M %Z");
}

std::string local_clock(int64_t ms) {
    return timefmt::local_time(ms, "%H:%M");
}

std::string format_message(const proto::json& m) {
    const std::string head = fmt::format("[{}] {}: ", local_clock(m.value("at", int64_t{0})),
                                         terminal_safe(m.value("author", "?")));
    std::string body = terminal_safe(m.value("body", ""));
    std::string indent(head.size(), ' ');
    std::string out = head;
    for (char c : body) {
        out += c;
        if (c == '\n')
            out += indent;
    }
    return out;
}

std::string format_chat_header(const proto::json& c) {
    std::string out = fmt::format("Chat {} with {}", c.value("id", int64_t{0}),
                                  terminal_safe(c.value("user", "?")));
    if (const std::string email = c.value("email", ""); !email.empty())
        out += fmt::format(" <{}>", terminal_safe(email));
    out += fmt::format("\n  state:   {}\n", c.value("state", "?"));
    if (c.contains("rt_ticket") && c["rt_ticket"].is_number_integer()) {
        out += fmt::format("  ticket:  RT #{}", c["rt_ticket"].get<int64_t>());
        const proto::json rt = c.value("rt", proto::json::object());
        if (!rt.value("subject", "").empty())
            out += fmt::format(" \"{}\" ({}, {})", terminal_safe(rt.value("subject", "")),
                               terminal_safe(rt.value("queue", "")),
                               terminal_safe(rt.value("status", "")));
        out += "\n";
        if (!rt.value("url", "").empty())
            out += fmt::format("           {}\n", terminal_safe(rt.value("url", "")));
    }
    out += fmt::format("  started: {} by {}\n", local_time(c.value("created_at", proto::json())),
                       terminal_safe(c.value("created_by", "?")));
    if (c.contains("closed_at") && !c["closed_at"].is_null())
        out += fmt::format("  closed:  {} by {}\n", local_time(c["closed_at"]),
                           terminal_safe(c.value("closed_by", "?")));
    if (const std::string summary = c.value("summary", ""); !summary.empty())
        out += fmt::format("  summary: {}\n", terminal_safe(summary));
    return out;
}

void print_json(const proto::json& j) {
    std::cout << j.dump(-1, ' ', false, proto::json::error_handler_t::replace) << "\n";
}

} // namespace rtchat::chatctl
