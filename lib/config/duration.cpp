#include "config/duration.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace rtchat::config {

std::chrono::seconds parse_duration(std::string_view text) {
    long long number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end == text.data() || number < 0)
        throw std::invalid_argument("expected a duration such as 90s, 15m, 24h or 7d");
    std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    long long scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "m")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else if (unit == "d")
        scale = 86400;
    else
        throw std::invalid_argument("unknown unit '" + std::string(unit) + "': use s, m, h or d");
    if (number > (1LL << 40) / scale)
        throw std::invalid_argument("duration too long");
    return std::chrono::seconds(number * scale);
}

} // namespace rtchat::config
