#include "config/config.hpp"

#include "config/duration.hpp"
#include "config/schema.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace rtchat::config {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string unquoted(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
        text.back() == text.front())
        text = text.substr(1, text.size() - 2);
    return std::string(text);
}

std::string expand(std::string_view text) {
    std::string out(text);
    for (auto [var, value] : {std::pair{std::string_view{"${state_dir}"}, state_dir()},
                              std::pair{std::string_view{"${share_dir}"}, share_dir()}})
        for (size_t at = out.find(var); at != std::string::npos; at = out.find(var))
            out.replace(at, var.size(), value.string());
    return out;
}

long long parse_number(std::string_view text, int base) {
    long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n, base);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        throw std::invalid_argument(base == 8 ? "expected an octal mode such as 0660"
                                              : "expected a whole number");
    return n;
}

// Throws std::invalid_argument with a message for the user.
void check_value(const KeySpec& spec, std::string_view text) {
    switch (spec.kind) {
    case Kind::text:
    case Kind::list:
        return;
    case Kind::path:
        if (text.empty())
            throw std::invalid_argument("expected a path");
        return;
    case Kind::integer: {
        long long n = parse_number(text, 10);
        if (n < spec.min || n > spec.max)
            throw std::invalid_argument(
                fmt::format("expected a number from {} to {}", spec.min, spec.max));
        return;
    }
    case Kind::duration: {
        long long secs = parse_duration(text).count();
        if (secs < spec.min || secs > spec.max)
            throw std::invalid_argument(
                fmt::format("expected a duration from {}s to {}s", spec.min, spec.max));
        return;
    }
    case Kind::mode:
        if (parse_number(text, 8) > 07777)
            throw std::invalid_argument("expected an octal mode such as 0660");
        return;
    case Kind::choice: {
        std::string_view rest = spec.choices;
        while (!rest.empty()) {
            size_t bar = rest.find('|');
            if (rest.substr(0, bar) == text)
                return;
            rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
        }
        std::string options(spec.choices);
        for (char& c : options)
            if (c == '|')
                c = ',';
        throw std::invalid_argument(fmt::format("expected one of {}", options));
    }
    case Kind::listen: {
        size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0)
            throw std::invalid_argument("expected host:port, such as 127.0.0.1:8080");
        long long port = parse_number(text.substr(colon + 1), 10);
        if (port < 1 || port > 65535)
            throw std::invalid_argument("port must be from 1 to 65535");
        return;
    }
    case Kind::url:
        if (!text.starts_with("http://") && !text.starts_with("https://"))
            throw std::invalid_argument("expected a URL starting with http:// or https://");
        return;
    }
}

} // namespace

std::vector<std::string> split_list(std::string_view joined) {
    std::vector<std::string> words;
    while (!joined.empty()) {
        const size_t comma = joined.find(',');
        const std::string_view word = trim(joined.substr(0, comma));
        if (!word.empty())
            words.emplace_back(word);
        joined = comma == std::string_view::npos ? std::string_view{} : joined.substr(comma + 1);
    }
    return words;
}

std::filesystem::path share_dir() {
    const char* env = std::getenv("RTCHAT_SHARE_DIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path(RTCHAT_DATADIR);
}

std::filesystem::path state_dir() {
    const char* env = std::getenv("RTCHAT_STATE_DIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path("/var/lib/rtchat");
}

Config Config::defaults() {
    Config c;
    for (const KeySpec& spec : schema())
        if (!spec.section.ends_with(named_section_suffix))
            c.set(spec.section, spec.key,
                  spec.kind == Kind::path ? expand(spec.default_value)
                                          : std::string(spec.default_value),
                  "default");
    return c;
}

Config Config::parse(std::string_view text, const std::string& name) {
    Config c = defaults();
    c.source_ = name;
    std::string section;
    int line_no = 0;
    std::istringstream lines{std::string(text)};
    // Lines are read one at a time so that every error can name its line;
    // CLI11 parses each key line within its section.
    for (std::string raw; std::getline(lines, raw);) {
        ++line_no;
        const std::string where = fmt::format("{}:{}", name, line_no);
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']' || line.size() < 3)
                throw ConfigError(fmt::format("{}: malformed section header '{}'", where, line));
            section = trim(line.substr(1, line.size() - 2));
            const std::string schema_section = template_of(section);
            if (schema_section.empty())
                throw ConfigError(fmt::format("{}: unknown section [{}]", where, section));
            if (schema_section != section)
                c.add_named_section(section);
            continue;
        }
        if (line.find('=') == std::string_view::npos)
            throw ConfigError(fmt::format("{}: expected 'key = value', got '{}'", where, line));
        if (section.empty())
            throw ConfigError(
                fmt::format("{}: key outside a section; put it under a [section] header", where));
        if (line.find(';') != std::string_view::npos)
            throw ConfigError(fmt::format(
                "{}: ';' starts a comment in rtchat.conf; a value cannot contain it", where));
        std::istringstream one("[" + section + "]\n" + std::string(line) + "\n");
        int items = 0;
        for (const CLI::ConfigItem& item : CLI::ConfigINI().from_config(one)) {
            if (item.name == "++" || item.name == "--")
                continue;
            ++items;
            const KeySpec* spec = find_key(section, item.name);
            if (!spec)
                throw ConfigError(
                    fmt::format("{}: unknown key '{}' in section [{}]", where, item.name, section));
            if (spec->kind == Kind::list) {
                std::string joined;
                for (const std::string& word : item.inputs)
                    joined += (joined.empty() ? "" : ",") + std::string(trim(word));
                c.set(section, item.name, std::move(joined), where);
                continue;
            }
            if (item.inputs.size() > 1)
                throw ConfigError(fmt::format(
                    "{}: key '{}' takes one value; put quotes around a value with spaces or commas",
                    where, item.name));
            std::string value = item.inputs.empty() ? std::string() : item.inputs.front();
            // CLI11 reads an unquoted value starting with '[' as a list (an
            // IPv6 address would lose characters): insist on what was written.
            if (value != unquoted(line.substr(line.find('=') + 1)))
                throw ConfigError(fmt::format(
                    "{}: the value of '{}' cannot be read as written; put it in double quotes",
                    where, item.name));
            if (spec->kind == Kind::path)
                value = expand(value);
            try {
                check_value(*spec, value);
            } catch (const std::invalid_argument& e) {
                throw ConfigError(fmt::format("{}: [{}] {} = '{}': {}", where, section, item.name,
                                              value, e.what()));
            }
            c.set(section, item.name, std::move(value), where);
        }
        if (items == 0)
            throw ConfigError(
                fmt::format("{}: cannot read '{}'; expected 'key = value'", where, line));
    }
    return c;
}

Config Config::from_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw ConfigError(fmt::format("{}: cannot read the configuration file: {}", file.string(),
                                      std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string());
}

Config Config::load(const std::string& explicit_path) {
    if (!explicit_path.empty())
        return from_file(explicit_path);
    if (std::filesystem::exists(system_config_path))
        return from_file(system_config_path);
    return defaults();
}

void Config::add_named_section(const std::string& section) {
    const size_t dot = section.find('.');
    auto& names = named_sections_[section.substr(0, dot)];
    const std::string name = section.substr(dot + 1);
    if (std::find(names.begin(), names.end(), name) != names.end())
        return; // a section may be continued further down the file
    names.push_back(name);
    const std::string schema_section = template_of(section);
    for (const KeySpec& spec : schema())
        if (spec.section == schema_section)
            set(section, spec.key,
                spec.kind == Kind::path ? expand(spec.default_value)
                                        : std::string(spec.default_value),
                "default");
}

const std::vector<std::string>& Config::named_sections(std::string_view prefix) const {
    static const std::vector<std::string> none;
    auto it = named_sections_.find(prefix);
    return it == named_sections_.end() ? none : it->second;
}

void Config::set(std::string_view section, std::string_view key, std::string text,
                 std::string where) {
    values_[{std::string(section), std::string(key)}] = Value{std::move(text), std::move(where)};
}

const Config::Value& Config::value(std::string_view section, std::string_view key) const {
    auto it = values_.find(std::pair<std::string, std::string>(section, key));
    if (it == values_.end())
        throw std::logic_error(
            fmt::format("config key [{}] {} is not in the schema", section, key));
    return it->second;
}

const std::string& Config::get(std::string_view section, std::string_view key) const {
    return value(section, key).text;
}

long long Config::get_int(std::string_view section, std::string_view key) const {
    return parse_number(get(section, key), 10);
}

std::chrono::seconds Config::get_duration(std::string_view section, std::string_view key) const {
    return parse_duration(get(section, key));
}

unsigned Config::get_mode(std::string_view section, std::string_view key) const {
    return static_cast<unsigned>(parse_number(get(section, key), 8));
}

const std::string& Config::origin(std::string_view section, std::string_view key) const {
    return value(section, key).origin;
}

} // namespace rtchat::config
