#include "ipc/signals.hpp"

#include <cerrno>
#include <csignal>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <system_error>
#include <unistd.h>

namespace rtchat::ipc {

Signals::Signals(EventLoop& loop, std::function<void(int signo)> on_signal) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP})
        sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    fd_ = Fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "signalfd");
    loop.add(fd_.get(), EPOLLIN, [fd = fd_.get(), on_signal = std::move(on_signal)](uint32_t) {
        signalfd_siginfo info{};
        while (read(fd, &info, sizeof info) == sizeof info)
            on_signal(static_cast<int>(info.ssi_signo));
    });
}

} // namespace rtchat::ipc
