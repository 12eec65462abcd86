#pragma once
// Terminal output. What users typed is shown as data: control characters
// (escape sequences included) are made visible instead of reaching the tty.

#include "proto/protocol.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rtchat::chatctl {

/// Replaces control characters but newline and tab with visible escapes (\x1b, \u009b).
std::string terminal_safe(std::string_view text);
/// "2026-11-26 18:47" in the local time zone; "-" for null.
std::string local_time(const proto::json& ms_since_epoch);
/// "12:05" in the local time zone.
std::string local_clock(int64_t ms_since_epoch);
/// One message as "[12:05] alice: text", continuation lines indented.
std::string format_message(const proto::json& message);
/// A chat's header block for show and join.
std::string format_chat_header(const proto::json& chat);
/// Prints JSON for scripts, one document on one line.
void print_json(const proto::json& j);

} // namespace rtchat::chatctl
