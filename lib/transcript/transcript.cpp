#include "transcript/transcript.hpp"

#include "encoding/base64.hpp"
#include "timefmt/local_time.hpp"

#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <set>
#include <sstream>

namespace rtchat::transcript {
namespace {

// Splits text into lines no longer than `limit` bytes, never inside a
// UTF-8 sequence (mail lines may not exceed 998 bytes).
std::vector<std::string> wrap(const std::string& text, size_t limit) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        std::string line =
            text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        while (line.size() > limit) {
            size_t cut = limit;
            while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
                --cut;
            if (cut == 0) // not UTF-8 after all: cut anywhere rather than never
                cut = limit;
            lines.push_back(line.substr(0, cut));
            line.erase(0, cut);
        }
        lines.push_back(line);
        if (nl == std::string::npos)
            break;
        start = nl + 1;
    }
    return lines;
}

} // namespace

std::string encode_header(const std::string& value) {
    bool plain = true;
    for (unsigned char c : value)
        plain = plain && c >= 0x20 && c < 0x80;
    if (plain)
        return value;
    // Encoded words of at most 75 characters (RFC 2047): 45 bytes of text
    // each, cut between characters, folded onto continuation lines.
    std::string out;
    size_t start = 0;
    while (start < value.size()) {
        size_t end = std::min(start + 45, value.size());
        while (end < value.size() && end > start &&
               (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80)
            --end;
        if (end == start)
            end = std::min(start + 45, value.size());
        if (!out.empty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + encoding::base64(std::string_view(value).substr(start, end - start)) +
               "?=";
        start = end;
    }
    return out;
}

Options load_options(const std::string& share_dir, std::string from, std::string rtname) {
    auto read = [&](const char* name) {
        const auto path = std::filesystem::path(share_dir) / "templates" / name;
        std::ifstream in(path);
        if (!in)
            throw std::runtime_error(
                fmt::format("cannot read the transcript template {}", path.string()));
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    };
    return Options{read("transcript.txt"), read("transcript-log.txt"), std::move(from),
                   std::move(rtname)};
}

Rendered render(const store::Chat& chat, const std::vector<store::Message>& messages,
                const std::string& marker, const Options& options, int64_t now_ms,
                const Form& form) {
    using kainjow::mustache::data;
    data d;
    d.set("id", std::to_string(chat.id));
    d.set("user", chat.user_name);
    if (!chat.user_email.empty())
        d.set("email", chat.user_email);
    if (chat.rt_ticket)
        d.set("ticket", std::to_string(*chat.rt_ticket));
    std::set<std::string> people{chat.created_by};
    for (const store::Message& m : messages)
        people.insert(m.author);
    std::string participants = chat.user_name + " (user)";
    for (const std::string& p : people)
        if (p != chat.user_name)
            participants += ", " + p + " (IT support)";
    d.set("participants", participants);
    d.set("started", timefmt::local_time(chat.created_at, "%Y-%m-%d %H:%M:%S %Z"));
    d.set("ended",
          timefmt::local_time(chat.closed_at.value_or(chat.updated_at), "%Y-%m-%d %H:%M:%S %Z"));
    d.set("end_reason",
          chat.end_reason.empty() ? std::string("not closed by a CO") : chat.end_reason);
    if (!chat.closed_by.empty())
        d.set("closed_by", chat.closed_by);
    d.set("count", std::to_string(messages.size()));
    if (!chat.summary.empty())
        d.set("summary", chat.summary);
    data lines{data::type::list};
    for (const store::Message& m : messages) {
        const std::string head =
            fmt::format("[{}] {}: ", timefmt::local_time(m.at, "%H:%M"), m.author);
        bool first = true;
        // "> ", the head and the text together stay well under 998 bytes.
        for (const std::string& part : wrap(m.body, 900 - std::min<size_t>(head.size(), 400))) {
            data line;
            line.set("text", first ? head + part : std::string(head.size(), ' ') + part);
            lines.push_back(line);
            first = false;
        }
    }
    d.set("lines", lines);
    d.set("marker", marker);
    Rendered r;
    r.log_filename = fmt::format("chat-{}.txt", chat.id);
    d.set("log_filename", r.log_filename);
    d.set("attached", form.log_attached);
    if (!form.flag.empty())
        d.set("flag", form.flag);

    auto render_text = [&](const std::string& text, const char* which) {
        kainjow::mustache::mustache tmpl(text);
        if (!tmpl.is_valid())
            throw std::runtime_error(
                fmt::format("the {} template does not parse: {}", which, tmpl.error_message()));
        // Plain text: nothing to escape; HTML escaping would garble the text.
        tmpl.set_custom_escape([](const std::string& s) { return s; });
        return tmpl.render(d);
    };
    r.body = render_text(options.template_text, "transcript");
    if (form.log_attached)
        r.log = render_text(options.log_template_text, "transcript log");
    // The tag files a mailed transcript in its ticket; a flagged one must
    // not go there, so it gets none.
    const std::string tag = chat.rt_ticket && !options.rtname.empty() && form.flag.empty()
                                ? fmt::format("[{} #{}] ", options.rtname, *chat.rt_ticket)
                                : "";
    r.subject = fmt::format("{}Chat transcript: {} (chat #{}){}", tag, chat.user_name, chat.id,
                            form.flag.empty() || !chat.rt_ticket
                                ? ""
                                : fmt::format(" - NOT filed in #{}", *chat.rt_ticket));

    std::string msg;
    auto header = [&](std::string_view name, const std::string& value) {
        msg += fmt::format("{}: {}\r\n", name, value);
    };
    header("From", options.from);
    header("Subject", encode_header(r.subject));
    header("Date", timefmt::local_time(now_ms, "%a, %d %b %Y %H:%M:%S %z"));
    header("Message-ID", fmt::format("<{}@rtchat>", marker));
    header("X-RTChat-Marker", marker);
    header("X-RTChat-Chat", std::to_string(chat.id));
    if (chat.rt_ticket)
        header("X-RTChat-Ticket", std::to_string(*chat.rt_ticket));
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header("Content-Transfer-Encoding", "8bit");
    msg += "\r\n";
    for (const std::string& line : wrap(r.body, 998)) {
        msg += line; // SMTP's dot-stuffing is libcurl's job, not the message's
        msg += "\r\n";
    }
    r.message = std::move(msg);
    return r;
}

} // namespace rtchat::transcript
