#pragma once
// A non-blocking, line-framed stream connection: what chatd keeps per client.

#include "ipc/unix_socket.hpp"
#include "proto/line_reader.hpp"

#include <string>
#include <string_view>

namespace rtchat::ipc {

class Connection {
public:
    Connection(Fd fd, size_t max_line, size_t max_output);

    enum class ReadStatus { open, closed };
    /// Reads what the socket has (up to 16 KiB) into the line reader; for
    /// a socket watched level-triggered, which reports what is left.
    ReadStatus read_available();
    proto::LineReader& lines() { return reader_; }

    /// Queues bytes and writes what the socket takes now. False when the
    /// peer has fallen further behind than `max_output` and must be dropped.
    bool send(std::string_view bytes);
    /// Queues bytes for the next flush(); false as for send().
    bool queue(std::string_view bytes);
    /// Writes queued bytes; false on a write error.
    bool flush();
    bool has_pending_output() const { return out_.size() > out_start_; }
    /// True once a write failed: the peer is gone, not merely slow.
    bool broken() const { return broken_; }
    int fd() const { return fd_.get(); }

private:
    Fd fd_;
    proto::LineReader reader_;
    std::string out_;
    size_t out_start_ = 0;
    size_t max_output_;
    bool broken_ = false;
};

} // namespace rtchat::ipc
