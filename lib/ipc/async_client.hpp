#pragma once
// A non-blocking client of chatd's socket, driven by an EventLoop: what a
// daemon that serves many people at once (chat-webd) uses. Replies come
// back through callbacks; events through one handler. When chatd goes away
// every pending request is answered with `unavailable`, and the client
// reconnects on its own with backoff.

#include "ipc/connection.hpp"
#include "ipc/event_loop.hpp"
#include "proto/protocol.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace rtchat::ipc {

struct Reply {
    bool ok = false;
    proto::json result; ///< when ok
    proto::ErrorCode code = proto::ErrorCode::internal;
    std::string message; ///< when not ok
};

class AsyncClient {
public:
    using ReplyHandler = std::function<void(const Reply&)>;
    using EventHandler = std::function<void(const proto::json& event)>;
    using StateHandler = std::function<void(bool connected)>;

    AsyncClient(EventLoop& loop, std::string socket_path, EventHandler on_event,
                StateHandler on_state);
    ~AsyncClient();
    AsyncClient(const AsyncClient&) = delete;
    AsyncClient& operator=(const AsyncClient&) = delete;

    /// Connects now, or keeps trying in the background (1 s, doubling to 30 s).
    void start();
    bool connected() const { return conn_ != nullptr; }

    /// Sends a request; `handler` is called exactly once, from the loop (or
    /// at once with `unavailable` when chatd is not connected).
    void request(const std::string& op, proto::json args, ReplyHandler handler);
    size_t pending() const { return pending_.size(); }

private:
    void try_connect();
    void on_io(uint32_t events);
    void disconnect(const std::string& why);
    void schedule_retry();
    void update_interest();

    EventLoop& loop_;
    std::string path_;
    EventHandler on_event_;
    StateHandler on_state_;
    std::unique_ptr<Connection> conn_;
    EventLoop::Registration reg_ = 0;
    EventLoop::Registration retry_timer_ = 0;
    std::chrono::milliseconds backoff_{1000};
    std::unordered_map<int64_t, ReplyHandler> pending_;
    int64_t next_id_ = 1;
    bool want_write_ = false;
};

} // namespace rtchat::ipc
