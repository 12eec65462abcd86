#include "ipc/event_loop.hpp"

#include <array>
#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <system_error>
#include <unistd.h>

namespace rtchat::ipc {
namespace {

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

EventLoop::EventLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0)
        throw_errno("epoll_create1");
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0)
        throw_errno("eventfd");
    add(wake_fd_, EPOLLIN, [this](uint32_t) {
        uint64_t count;
        while (read(wake_fd_, &count, sizeof count) > 0) {
        }
        std::vector<std::function<void()>> work;
        {
            std::lock_guard lock(posted_mutex_);
            work.swap(posted_);
        }
        for (auto& fn : work)
            fn();
    });
}

void EventLoop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(fn));
    }
    const uint64_t one = 1;
    // A full counter still wakes the loop; nothing is lost.
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

EventLoop::~EventLoop() {
    for (auto& [reg, entry] : entries_)
        if (entry->owned_fd >= 0)
            close(entry->owned_fd);
    close(wake_fd_);
    close(epoll_fd_);
}

EventLoop::Registration EventLoop::add(int fd, uint32_t events, Handler handler) {
    const Registration reg = next_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = reg;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
        throw_errno("epoll_ctl(ADD)");
    entries_.emplace(reg, std::make_shared<Entry>(Entry{fd, std::move(handler)}));
    return reg;
}

void EventLoop::modify(Registration reg, uint32_t events) {
    auto it = entries_.find(reg);
    if (it == entries_.end())
        return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = reg;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, it->second->fd, &ev) != 0)
        throw_errno("epoll_ctl(MOD)");
}

void EventLoop::remove(Registration reg) {
    auto it = entries_.find(reg);
    if (it == entries_.end())
        return;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
    if (it->second->owned_fd >= 0)
        close(it->second->owned_fd);
    entries_.erase(it);
}

EventLoop::Registration EventLoop::every(std::chrono::milliseconds interval,
                                         std::function<void()> tick) {
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (tfd < 0)
        throw_errno("timerfd_create");
    itimerspec spec{};
    spec.it_interval.tv_sec = interval.count() / 1000;
    spec.it_interval.tv_nsec = (interval.count() % 1000) * 1000000;
    spec.it_value = spec.it_interval;
    if (timerfd_settime(tfd, 0, &spec, nullptr) != 0) {
        close(tfd);
        throw_errno("timerfd_settime");
    }
    Registration reg = add(tfd, EPOLLIN, [tfd, tick = std::move(tick)](uint32_t) {
        uint64_t expirations = 0;
        if (read(tfd, &expirations, sizeof expirations) == sizeof expirations)
            tick();
    });
    entries_.at(reg)->owned_fd = tfd;
    return reg;
}

void EventLoop::run() {
    running_ = true;
    std::array<epoll_event, 256> events{};
    while (running_) {
        int timeout = -1;
        for (auto& hook : prepare_) {
            const int t = hook();
            if (t >= 0 && (timeout < 0 || t < timeout))
                timeout = t;
        }
        if (!running_)
            break;
        int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("epoll_wait");
        }
        for (int i = 0; i < n && running_; ++i) {
            auto it = entries_.find(events[static_cast<size_t>(i)].data.u64);
            if (it == entries_.end())
                continue;
            // Holds the entry alive while its handler may remove itself.
            std::shared_ptr<Entry> entry = it->second;
            entry->handler(events[static_cast<size_t>(i)].events);
        }
    }
}

} // namespace rtchat::ipc
