#include "ipc/systemd.hpp"

#include <systemd/sd-daemon.h>

namespace rtchat::ipc {

void start_watchdog(EventLoop& loop) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0)
        loop.every(std::chrono::milliseconds(usec / 2000), [] { sd_notify(0, "WATCHDOG=1"); });
}

void notify_ready() {
    sd_notify(0, "READY=1");
}
void notify_stopping() {
    sd_notify(0, "STOPPING=1");
}

} // namespace rtchat::ipc
