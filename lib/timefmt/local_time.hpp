#pragma once
// Times for people: milliseconds since the epoch in the process's time
// zone (TZ), with strftime(3) formats.

#include <cstdint>
#include <string>

namespace rtchat::timefmt {

std::string local_time(int64_t ms_since_epoch, const char* strftime_format);

/// "2026-11-26 18:47"
inline std::string minutes(int64_t ms) {
    return local_time(ms, "%Y-%m-%d %H:%M");
}

} // namespace rtchat::timefmt
