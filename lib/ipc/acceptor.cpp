#include "ipc/acceptor.hpp"

#include "log/log.hpp"

#include <cerrno>
#include <sys/epoll.h>

namespace rtchat::ipc {

Acceptor::Acceptor(EventLoop& loop, Fd listener, Handler on_connection)
    : loop_(loop)
    , listener_(std::move(listener))
    , on_connection_(std::move(on_connection)) {
    reg_ = loop_.add(listener_.get(), EPOLLIN, [this](uint32_t) { accept_all(); });
}

Acceptor::~Acceptor() {
    loop_.remove(reg_);
}

void Acceptor::connection_ended() {
    if (!paused_)
        return;
    paused_ = false;
    loop_.modify(reg_, EPOLLIN);
    log::info("accept_resumed");
}

void Acceptor::accept_all() {
    for (;;) {
        Peer peer;
        const int fd = accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer.address),
                               &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            on_connection_(Fd(fd), peer);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE) {
            log::error("accept_paused", {{"reason", "out of file descriptors"}});
            loop_.modify(reg_, 0);
            paused_ = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            log::error("accept_failed", {{"errno", errno}});
        }
        return;
    }
}

} // namespace rtchat::ipc
