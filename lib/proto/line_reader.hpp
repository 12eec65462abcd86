#pragma once
// Splits a byte stream into newline-terminated lines no longer than a limit.
// An over-long line is reported once and skipped up to its newline, so one
// bad request never desynchronises the stream.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace rtchat::proto {

struct OversizedLine {
    size_t bytes_seen; ///< at least this many bytes before it was given up
};

class LineReader {
public:
    explicit LineReader(size_t max_line)
        : max_line_(max_line) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }

    /// The next complete line (without its newline), an OversizedLine marker,
    /// or std::monostate when more bytes are needed.
    std::variant<std::monostate, std::string, OversizedLine> next();

    /// Bytes held for an incomplete line.
    size_t pending() const { return buffer_.size() - start_; }

private:
    std::string buffer_;
    size_t start_ = 0;
    size_t max_line_;
    bool skipping_ = false;
};

} // namespace rtchat::proto
