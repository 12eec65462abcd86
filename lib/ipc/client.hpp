#pragma once
// A blocking client of chatd's socket, for chatctl, tests and benchmarks.

#include "ipc/unix_socket.hpp"
#include "proto/line_reader.hpp"
#include "proto/protocol.hpp"

#include <deque>
#include <optional>
#include <stdexcept>
#include <string>

namespace rtchat::ipc {

/// chatd could not be reached at all.
class ConnectError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// chatd answered with an error reply.
class RemoteError : public std::runtime_error {
public:
    RemoteError(proto::ErrorCode code, const std::string& message)
        : std::runtime_error(message)
        , code_(code) {}
    proto::ErrorCode code() const { return code_; }

private:
    proto::ErrorCode code_;
};

class Client {
public:
    /// Throws ConnectError with a message saying what to check.
    explicit Client(const std::string& socket_path);

    /// Sends a request and waits for its reply; events that arrive meanwhile
    /// are kept for next_event(). Returns the result or throws RemoteError.
    proto::json call(const std::string& op, proto::json args = proto::json::object());

    /// Sends a request without waiting; returns its id.
    int64_t send(const std::string& op, proto::json args);
    /// Waits for the reply to `id`.
    proto::json wait_reply(int64_t id);

    /// The next event: a queued one, else one read within `timeout_ms` (-1: wait).
    std::optional<proto::json> next_event(int timeout_ms);
    bool has_queued_event() const { return !events_.empty(); }
    int fd() const { return fd_.get(); }

private:
    /// Reads and sorts incoming lines until `want` or an event arrives.
    bool read_once(int timeout_ms);
    void write_all(const std::string& data);

    Fd fd_;
    std::string path_;
    proto::LineReader reader_{64 * 1024 * 1024};
    std::deque<proto::json> events_;
    std::deque<proto::json> replies_;
    int64_t next_id_ = 1;
};

} // namespace rtchat::ipc
