#include "timefmt/local_time.hpp"

#include <ctime>

namespace rtchat::timefmt {

std::string local_time(int64_t ms, const char* format) {
    const time_t secs = static_cast<time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[128];
    return std::string(buf, std::strftime(buf, sizeof buf, format, &tm));
}

} // namespace rtchat::timefmt
