#pragma once
// One line per event on stderr, as `key=value` fields, for journald.
// Never pass user-typed text (message bodies, summaries) as a field.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace rtchat::log {

enum class Level { debug, info, warning, error };

/// A `key=value` pair; the value is quoted on output when it needs to be.
struct Field {
    std::string_view key;
    std::string value;

    Field(std::string_view k, std::string_view v)
        : key(k)
        , value(v) {}
    Field(std::string_view k, const char* v)
        : key(k)
        , value(v) {}
    Field(std::string_view k, const std::string& v)
        : key(k)
        , value(v) {}
    template <std::integral T>
    Field(std::string_view k, T v)
        : key(k)
        , value(std::to_string(v)) {}
};

/// Sets the `component=` field of every line (the binary's name).
void set_component(std::string_view component);
void set_level(Level minimum);
/// Parses "debug", "info", "warning" or "error"; throws std::invalid_argument.
Level parse_level(std::string_view name);

/// Formats one line; exposed for tests.
std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields);
void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::info, event, fields);
}
inline void warning(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::warning, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
    write(Level::error, event, fields);
}

} // namespace rtchat::log
