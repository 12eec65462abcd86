// ipc::Acceptor over a real socket: out of file descriptors it stops
// watching the listener, so the loop sleeps instead of spinning on it, and
// accepts the waiting connection once told that a connection ended.

#include "ipc/acceptor.hpp"
#include "ipc/event_loop.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace rtchat;
using namespace std::chrono_literals;

namespace {

ipc::Fd loopback_listener(int& port) {
    ipc::Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd.get(), 16);
    socklen_t len = sizeof addr;
    getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

ipc::Fd connect_to(int port) {
    ipc::Fd fd(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
}

} // namespace

TEST(Acceptor, PausesWhenOutOfDescriptorsAndGoesOnWhenOneIsFree) {
    ipc::EventLoop loop;
    int port = 0;
    std::vector<ipc::Fd> accepted;
    ipc::Acceptor acceptor(loop, loopback_listener(port),
                           [&](ipc::Fd fd, const ipc::Acceptor::Peer& peer) {
                               EXPECT_EQ(peer.address.ss_family, AF_INET);
                               accepted.push_back(std::move(fd));
                           });
    int turns = 0;
    loop.add_prepare([&] {
        ++turns;
        return -1;
    });
    auto run_for = [&](std::chrono::milliseconds how_long) {
        const auto timer = loop.every(how_long, [&] { loop.stop(); });
        loop.run();
        loop.remove(timer);
    };

    const ipc::Fd first = connect_to(port);
    run_for(50ms);
    ASSERT_EQ(accepted.size(), 1u);

    // Leave this process no descriptor to accept with: the stop timer is
    // made first, then the limit closes in below every free number.
    const ipc::Fd second = connect_to(port);
    const auto timer = loop.every(300ms, [&] { loop.stop(); });
    const ipc::Fd lowest_free(dup(0));
    rlimit old{};
    getrlimit(RLIMIT_NOFILE, &old);
    rlimit tight = old;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free.get());
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
    turns = 0;
    const auto started = std::chrono::steady_clock::now();
    loop.run();
    loop.remove(timer);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
    // A listener still watched would have woken the loop thousands of times.
    EXPECT_LT(turns, 20);
    EXPECT_EQ(accepted.size(), 1u);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);

    acceptor.connection_ended();
    run_for(50ms);
    EXPECT_EQ(accepted.size(), 2u) << "the waiting connection was not accepted after the pause";
}
