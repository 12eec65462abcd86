#pragma once

#include <string_view>

namespace rtchat::proto {

/// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool is_valid_utf8(std::string_view text);

/// True when `text` holds a control character other than tab and newline
/// (C0, DEL, or C1), which chat text never needs.
bool has_control_characters(std::string_view text);

} // namespace rtchat::proto
