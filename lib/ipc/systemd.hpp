#pragma once
// What a daemon tells systemd, from its loop: the watchdog ping, and READY
// and STOPPING at the right moments (Type=notify units).

#include "ipc/event_loop.hpp"

namespace rtchat::ipc {

/// Pings the watchdog at half its interval when the unit has one.
void start_watchdog(EventLoop& loop);
void notify_ready();
void notify_stopping();

} // namespace rtchat::ipc
