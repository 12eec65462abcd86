// lib/web's event streams over real sockets: every stream that opened ends
// exactly once (on_closed), whether the browser leaves while it sleeps,
// leaves before its stream was sent, or the server stops under it; and a
// stream may carry its owner's fields (Exchange::stream<T>).

#include "ipc/event_loop.hpp"
#include "web/http_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace rtchat;
using namespace std::chrono_literals;

namespace {

struct TaggedStream : web::EventStream {
    int tag = 0;
};

int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

int open_request(int port, const std::string& path) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return -1;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size()))
        return -1;
    return fd;
}

// Reads until `want` has arrived (or 5 s pass); returns what was read.
std::string read_until(int fd, const std::string& want) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (got.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char buf[4096];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

// Runs `step` on the loop's thread and waits for it.
template <class F> void on_loop(ipc::EventLoop& loop, F step) {
    std::atomic<bool> done = false;
    loop.post([&] {
        step();
        done = true;
    });
    while (!done)
        std::this_thread::sleep_for(1ms);
}

// Options for a server on a free loopback port, which `port` is set to.
web::ServerOptions on_free_port(int& port) {
    port = free_port();
    web::ServerOptions options;
    options.listen = "127.0.0.1:" + std::to_string(port);
    return options;
}

// Runs `client` on its own thread while the loop serves, then stops the
// server and the loop.
template <class F> void serve_while(ipc::EventLoop& loop, web::HttpServer& server, F client) {
    std::thread thread([&] {
        client();
        loop.post([&] {
            server.stop();
            loop.stop();
        });
    });
    loop.run();
    thread.join();
}

template <class F> bool eventually(F condition) {
    for (int i = 0; i < 500; ++i) {
        if (condition())
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

} // namespace

TEST(HttpServer, EveryOpenedStreamEndsExactlyOnce) {
    ipc::EventLoop loop;
    int port = 0;
    web::ServerOptions options = on_free_port(port);

    std::atomic<int> opened = 0;
    std::atomic<int> ended = 0;
    std::atomic<int> tags_seen = 0;
    std::atomic<size_t> open_streams = 0;
    // Exchanges whose answer waits: answered later, maybe after the browser left.
    std::vector<std::shared_ptr<web::Exchange>> waiting;
    // The owner may keep a stream after it ended; that must stay harmless.
    std::vector<std::shared_ptr<TaggedStream>> kept;

    auto start_stream = [&](const std::shared_ptr<web::Exchange>& ex, int tag) {
        auto s = ex->stream<TaggedStream>({{"Cache-Control", "no-store"}});
        s->tag = tag;
        if (!s->open())
            return;
        ++opened;
        s->send("retry: 1000\n\n");
        s->on_closed = [&, raw = s.get()] {
            ++ended;
            if (raw->tag > 0)
                ++tags_seen;
        };
        kept.push_back(s);
    };
    web::HttpServer server(loop, options, [&](const std::shared_ptr<web::Exchange>& ex) {
        if (ex->path() == "/events")
            return start_stream(ex, 1);
        if (ex->path() == "/later")
            return waiting.push_back(ex);
        ex->respond(web::Response::text(404, "no\n"));
    });
    server.start();

    serve_while(loop, server, [&] {
        // Three streams open and sleep.
        std::vector<int> fds;
        for (int i = 0; i < 3; ++i) {
            fds.push_back(open_request(port, "/events"));
            EXPECT_NE(read_until(fds.back(), "retry: 1000\n\n").find("text/event-stream"),
                      std::string::npos);
        }
        EXPECT_EQ(opened.load(), 3);

        // One browser leaves while its stream sleeps: found out at a write.
        close(fds[0]);
        EXPECT_TRUE(eventually([&] {
            on_loop(loop, [&] {
                for (const auto& s : kept)
                    s->send(": keep-alive\n\n");
            });
            return ended.load() == 1;
        }));

        // One leaves before its answer is ready; the stream made for it
        // afterwards ends too, once.
        const int gone = open_request(port, "/later");
        EXPECT_TRUE(eventually([&] {
            size_t n = 0;
            on_loop(loop, [&] { n = waiting.size(); });
            return n == 1;
        }));
        close(gone);
        std::this_thread::sleep_for(50ms);
        on_loop(loop, [&] { start_stream(waiting.front(), 2); });
        EXPECT_TRUE(eventually([&] {
            on_loop(loop, [&] {
                for (const auto& s : kept)
                    s->send(": keep-alive\n\n");
            });
            return ended.load() == opened.load() - 2;
        }));

        // The server stops with two streams open: both end, once.
        on_loop(loop, [&] { open_streams = server.open_streams(); });
        EXPECT_EQ(open_streams.load(), 2u);
        on_loop(loop, [&] { server.stop(); });
        EXPECT_EQ(ended.load(), opened.load());
        EXPECT_EQ(tags_seen.load(), opened.load());
        for (size_t i = 1; i < fds.size(); ++i)
            close(fds[i]);
        on_loop(loop, [&] {
            // Sending to a stream that ended is refused, not a crash.
            for (const auto& s : kept)
                EXPECT_FALSE(s->send("data: late\n\n"));
            open_streams = server.open_streams();
        });
        EXPECT_EQ(open_streams.load(), 0u);
    });
}

// Connections are spread over the shards (libmicrohttpd daemons), fewest
// first; an event sent to each stream reaches its own browser whichever
// shard holds it, and a request to one shard is answered while streams of
// every other shard sleep.
TEST(HttpServer, ConnectionsSpreadOverShardsAndEachStreamGetsItsOwnEvents) {
    ipc::EventLoop loop;
    int port = 0;
    web::ServerOptions options = on_free_port(port);
    std::vector<std::shared_ptr<TaggedStream>> streams;
    web::HttpServer server(loop, options, [&](const std::shared_ptr<web::Exchange>& ex) {
        if (ex->path() == "/events") {
            auto s = ex->stream<TaggedStream>({});
            s->tag = static_cast<int>(streams.size());
            s->send("retry: 1000\n\n");
            streams.push_back(s);
            return;
        }
        ex->respond(web::Response::text(200, "pong\n"));
    });
    server.start();
    const size_t n = 3 * web::HttpServer::shard_count + 1;

    serve_while(loop, server, [&] {
        std::vector<int> fds;
        for (size_t i = 0; i < n; ++i) {
            fds.push_back(open_request(port, "/events"));
            read_until(fds.back(), "retry: 1000\n\n");
        }
        std::vector<size_t> per_shard;
        on_loop(loop, [&] { per_shard = server.connections_per_shard(); });
        ASSERT_EQ(per_shard.size(), web::HttpServer::shard_count);
        EXPECT_EQ(*std::min_element(per_shard.begin(), per_shard.end()), 3u);
        EXPECT_EQ(*std::max_element(per_shard.begin(), per_shard.end()), 4u);

        on_loop(loop, [&] {
            for (const auto& s : streams)
                s->send("data: for " + std::to_string(s->tag) + "\n\n");
        });
        for (size_t i = 0; i < n; ++i) {
            const std::string got = read_until(fds[i], "\n\n");
            EXPECT_NE(got.find("data: for " + std::to_string(i) + "\n\n"), std::string::npos)
                << "stream " << i << " got: " << got;
        }
        const int ping = open_request(port, "/ping");
        EXPECT_NE(read_until(ping, "pong\n").find("pong\n"), std::string::npos);
        close(ping);
        for (int fd : fds)
            close(fd);
    });
}

// Beyond connection_limit a new connection is closed at once, counted over
// all shards; one that ends makes room again (a sleeping stream's browser
// is found gone at a write: the heartbeat's job in chat-webd).
TEST(HttpServer, TheConnectionLimitHoldsAcrossShards) {
    ipc::EventLoop loop;
    int port = 0;
    web::ServerOptions options = on_free_port(port);
    options.connection_limit = 3;
    std::vector<std::shared_ptr<web::EventStream>> streams;
    web::HttpServer server(loop, options, [&](const std::shared_ptr<web::Exchange>& ex) {
        if (ex->path() == "/events") {
            streams.push_back(ex->stream({}));
            streams.back()->send("retry: 1000\n\n");
            return;
        }
        ex->respond(web::Response::text(200, "pong\n"));
    });
    server.start();
    serve_while(loop, server, [&] {
        std::vector<int> fds;
        for (int i = 0; i < 3; ++i) {
            fds.push_back(open_request(port, "/events"));
            EXPECT_NE(read_until(fds.back(), "retry: 1000\n\n").find("retry"), std::string::npos);
        }
        const int refused = open_request(port, "/ping");
        EXPECT_EQ(read_until(refused, "pong\n"), "") << "a fourth connection was served";
        close(refused);
        close(fds[0]);
        EXPECT_TRUE(eventually([&] {
            on_loop(loop, [&] {
                for (const auto& s : streams)
                    s->send(": keep-alive\n\n");
            });
            const int again = open_request(port, "/ping");
            const bool served = read_until(again, "pong\n").find("pong\n") != std::string::npos;
            close(again);
            return served;
        }));
        for (size_t i = 1; i < fds.size(); ++i)
            close(fds[i]);
    });
}
