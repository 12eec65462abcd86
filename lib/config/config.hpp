#pragma once
// rtchat.conf: INI sections read through CLI11's INI reader, checked against
// the key table in schema.hpp. Errors name file:line and the key.

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtchat::config {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The words of a comma-separated list, spaces around them trimmed and
/// empty ones dropped: how `list` keys are read (and RT's own lists).
std::vector<std::string> split_list(std::string_view joined);

/// Where a configuration is looked for when neither -c nor $RTCHAT_CONFIG names one.
inline constexpr std::string_view system_config_path = "/etc/rtchat/rtchat.conf";

/// $RTCHAT_STATE_DIR, or /var/lib/rtchat: the base of the default paths.
std::filesystem::path state_dir();
/// $RTCHAT_SHARE_DIR, or where templates and static files are installed.
std::filesystem::path share_dir();

class Config {
public:
    /// The embedded defaults alone.
    static Config defaults();
    /// Defaults overridden by `text`; `name` is used in error messages.
    static Config parse(std::string_view text, const std::string& name);
    static Config from_file(const std::filesystem::path& file);
    /// `explicit_path` (from -c or $RTCHAT_CONFIG) if not empty, else the
    /// system file if it exists, else the embedded defaults.
    static Config load(const std::string& explicit_path);

    /// The value of a key in the schema; a key outside it is a bug.
    const std::string& get(std::string_view section, std::string_view key) const;
    long long get_int(std::string_view section, std::string_view key) const;
    std::chrono::seconds get_duration(std::string_view section, std::string_view key) const;
    unsigned get_mode(std::string_view section, std::string_view key) const;
    /// The names of the sections [prefix.NAME] the file has, in file order:
    /// named_sections("rt") gives {"main", "physics"} for [rt.main] and [rt.physics].
    const std::vector<std::string>& named_sections(std::string_view prefix) const;
    /// "file:line" where the value was set, or "default".
    const std::string& origin(std::string_view section, std::string_view key) const;
    /// The file read, or "embedded defaults".
    const std::string& source() const { return source_; }

private:
    struct Value {
        std::string text;
        std::string origin;
    };
    void set(std::string_view section, std::string_view key, std::string text, std::string where);
    const Value& value(std::string_view section, std::string_view key) const;

    void add_named_section(const std::string& section);

    std::map<std::pair<std::string, std::string>, Value, std::less<>> values_;
    std::map<std::string, std::vector<std::string>, std::less<>> named_sections_;
    std::string source_ = "embedded defaults";
};

} // namespace rtchat::config
