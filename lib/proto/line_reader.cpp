#include "proto/line_reader.hpp"

namespace rtchat::proto {

std::variant<std::monostate, std::string, OversizedLine> LineReader::next() {
    for (;;) {
        const size_t newline = buffer_.find('\n', start_);
        if (skipping_) {
            if (newline == std::string::npos) {
                buffer_.clear();
                start_ = 0;
                return std::monostate{};
            }
            start_ = newline + 1;
            skipping_ = false;
            continue;
        }
        if (newline == std::string::npos) {
            if (buffer_.size() - start_ > max_line_) {
                const size_t seen = buffer_.size() - start_;
                buffer_.clear();
                start_ = 0;
                skipping_ = true;
                return OversizedLine{seen};
            }
            // Compact now and then so the buffer does not grow with every
            // line, and give a burst's memory back once it is read.
            if (start_ == buffer_.size() && buffer_.capacity() > 65536) {
                std::string().swap(buffer_);
                start_ = 0;
            } else if (start_ > 0 && start_ >= buffer_.size() / 2) {
                buffer_.erase(0, start_);
                start_ = 0;
            }
            return std::monostate{};
        }
        const size_t length = newline - start_;
        if (length > max_line_) {
            start_ = newline + 1;
            return OversizedLine{length};
        }
        std::string line = buffer_.substr(start_, length);
        start_ = newline + 1;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return line;
    }
}

} // namespace rtchat::proto
