#pragma once
// One epoll loop on one thread. Handlers are keyed by a registration id, not
// the fd, so a handler removed earlier in the same batch is never called,
// even when its fd number has been reused.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace rtchat::ipc {

class EventLoop {
public:
    using Handler = std::function<void(uint32_t events)>;
    using Registration = uint64_t;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    Registration add(int fd, uint32_t events, Handler handler);
    void modify(Registration reg, uint32_t events);
    /// Stops watching; does not close the fd.
    void remove(Registration reg);

    /// Calls `tick` every `interval` from the loop (a timerfd); returns its registration.
    Registration every(std::chrono::milliseconds interval, std::function<void()> tick);

    /// Called before every wait; returns the longest the loop may sleep, in
    /// ms (-1: no limit). Lets a library with its own timers (libmicrohttpd)
    /// and deferred work run from the loop.
    void add_prepare(std::function<int()> hook) { prepare_.push_back(std::move(hook)); }

    /// Runs `fn` on the loop's thread, soon; callable from any thread (how
    /// a worker thread hands its result back).
    void post(std::function<void()> fn);

    /// Runs until stop() is called from a handler.
    void run();
    void stop() { running_ = false; }

private:
    struct Entry {
        int fd;
        Handler handler;
        int owned_fd = -1; ///< timerfds belong to the loop
    };
    int epoll_fd_;
    bool running_ = false;
    Registration next_ = 1;
    std::unordered_map<Registration, std::shared_ptr<Entry>> entries_;
    std::vector<std::function<int()>> prepare_;
    int wake_fd_ = -1;
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
};

} // namespace rtchat::ipc
