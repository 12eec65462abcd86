#include "ipc/connection.hpp"

#include <array>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace rtchat::ipc {

Connection::Connection(Fd fd, size_t max_line, size_t max_output)
    : fd_(std::move(fd))
    , reader_(max_line)
    , max_output_(max_output) {}

Connection::ReadStatus Connection::read_available() {
    std::array<char, 16384> buf;
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
        if (n > 0) {
            // Hand lines to the caller before reading more, so a fast writer
            // cannot make us buffer without bound. A short read has emptied
            // the socket, as a rule: the loop's (level-triggered) epoll says
            // so when not, and the read that would only say EAGAIN is saved.
            reader_.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
            return ReadStatus::open;
        }
        if (n == 0)
            return ReadStatus::closed;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return ReadStatus::open;
        return ReadStatus::closed;
    }
}

bool Connection::send(std::string_view bytes) {
    return queue(bytes) && flush();
}

bool Connection::queue(std::string_view bytes) {
    if (broken_)
        return false;
    if (out_.size() - out_start_ + bytes.size() > max_output_)
        return false;
    out_.append(bytes);
    return true;
}

bool Connection::flush() {
    while (out_start_ < out_.size()) {
        ssize_t n =
            ::send(fd_.get(), out_.data() + out_start_, out_.size() - out_start_, MSG_NOSIGNAL);
        if (n > 0) {
            out_start_ += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        broken_ = true;
        return false;
    }
    if (out_start_ == out_.size()) {
        // A burst (thousands of browsers arriving at once) must not leave
        // its buffer behind for the life of the connection.
        if (out_.capacity() > 65536)
            std::string().swap(out_);
        else
            out_.clear();
        out_start_ = 0;
    } else if (out_start_ > 65536) {
        out_.erase(0, out_start_);
        out_start_ = 0;
    }
    return true;
}

} // namespace rtchat::ipc
