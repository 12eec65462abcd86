#include "log/log.hpp"

#include <atomic>
#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>

namespace rtchat::log {
namespace {

std::string component_name = "rtchat";
std::atomic<Level> min_level{Level::info};

std::string_view level_name(Level level) {
    switch (level) {
    case Level::debug:
        return "debug";
    case Level::info:
        return "info";
    case Level::warning:
        return "warning";
    case Level::error:
        return "error";
    }
    return "info";
}

bool needs_quotes(std::string_view value) {
    if (value.empty())
        return true;
    for (unsigned char c : value)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return true;
    return false;
}

void append_value(std::string& out, std::string_view value) {
    if (!needs_quotes(value)) {
        out += value;
        return;
    }
    // Escaping keeps every event on one line whatever a value holds.
    out += '"';
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < ' ' || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

} // namespace

void set_component(std::string_view component) {
    component_name = component;
}
void set_level(Level minimum) {
    min_level = minimum;
}

Level parse_level(std::string_view name) {
    for (Level l : {Level::debug, Level::info, Level::warning, Level::error})
        if (level_name(l) == name)
            return l;
    throw std::invalid_argument(
        fmt::format("unknown log level '{}': use debug, info, warning or error", name));
}

std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields) {
    std::string line =
        fmt::format("level={} component={} event=", level_name(level), component_name);
    append_value(line, event);
    for (const Field& f : fields) {
        line += ' ';
        line += f.key;
        line += '=';
        append_value(line, f.value);
    }
    line += '\n';
    return line;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (level < min_level.load(std::memory_order_relaxed))
        return;
    const std::string line = format_line(level, event, fields);
    // One write() per line, so lines from several processes never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

} // namespace rtchat::log
