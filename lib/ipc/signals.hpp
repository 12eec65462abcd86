#pragma once
// SIGTERM, SIGINT and SIGHUP delivered through a signalfd into the loop, so
// no handler ever runs in signal context.

#include "ipc/event_loop.hpp"
#include "ipc/unix_socket.hpp"

#include <functional>

namespace rtchat::ipc {

class Signals {
public:
    /// Blocks the three signals and calls `on_signal` from the loop for each.
    Signals(EventLoop& loop, std::function<void(int signo)> on_signal);

private:
    Fd fd_;
};

} // namespace rtchat::ipc
