#pragma once

#include <chrono>
#include <string_view>

namespace rtchat::config {

/// Parses "90", "90s", "15m", "24h" or "7d"; throws std::invalid_argument.
std::chrono::seconds parse_duration(std::string_view text);

} // namespace rtchat::config
