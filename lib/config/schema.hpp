#pragma once
// Every key of rtchat.conf, in one table: its section, default, kind and
// meaning. The loader refuses keys that are not here, the man page
// rtchat.conf(5) documents each of them (a test checks), and the sample
// conf/rtchat.conf lists them all at their defaults.

#include <span>
#include <string>
#include <string_view>

namespace rtchat::config {

enum class Kind {
    text,     ///< any single value
    path,     ///< a file system path; `${state_dir}` is expanded
    integer,  ///< a whole number within [min, max]
    duration, ///< seconds, or a number with s, m, h or d
    mode,     ///< an octal file mode such as 0660
    choice,   ///< one of the words in `choices` (separated by '|')
    listen,   ///< host:port
    url,      ///< http:// or https:// URL
    list,     ///< words separated by commas (stored joined with ",")
};

struct KeySpec {
    std::string_view section;
    std::string_view key;
    Kind kind;
    std::string_view default_value;
    std::string_view summary;
    long long min = 0;
    long long max = 0;
    std::string_view choices = {};
    bool needs_restart = true;
};

/// A section that may appear many times under different names, such as
/// [rt.main] and [rt.physics]; the schema lists its keys once under
/// "rt.NAME".
inline constexpr std::string_view named_section_suffix = ".NAME";

/// All keys, in the order the sample configuration lists them.
std::span<const KeySpec> schema();
/// The schema's name for a section: "rt.NAME" for [rt.physics]; the
/// section itself otherwise; empty when the schema has no such section or
/// the name is not made of letters, digits, '-' and '_'.
std::string template_of(std::string_view section);
/// The spec of section/key, or nullptr when there is none.
const KeySpec* find_key(std::string_view section, std::string_view key);

} // namespace rtchat::config
