#pragma once
// A listening socket watched by the event loop: accepts every connection
// waiting, non-blocking and close-on-exec, and hands each on. Out of file
// descriptors, it stops watching the socket (which would otherwise wake the
// loop forever) until the owner says a connection has ended.

#include "ipc/event_loop.hpp"
#include "ipc/unix_socket.hpp"

#include <functional>
#include <sys/socket.h>

namespace rtchat::ipc {

class Acceptor {
public:
    /// The peer's address, as accept4() gave it.
    struct Peer {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
    };
    using Handler = std::function<void(Fd, const Peer&)>;

    Acceptor(EventLoop& loop, Fd listener, Handler on_connection);
    ~Acceptor();
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    /// A connection ended: accepting goes on if it was paused.
    void connection_ended();

private:
    void accept_all();

    EventLoop& loop_;
    Fd listener_;
    Handler on_connection_;
    EventLoop::Registration reg_ = 0;
    bool paused_ = false;
};

} // namespace rtchat::ipc
