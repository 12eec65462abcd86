#pragma once
// libmicrohttpd, driven from our own epoll loop (MHD_USE_EPOLL, no internal
// thread: see shared/recipes/libmicrohttpd.md for why). A request can be
// answered at once or later, from another callback (a reply from chatd):
// until then its connection is suspended. Event streams are callback
// responses that suspend when they have nothing to send, so an idle
// browser costs no CPU and no thread.
//
// The server is several libmicrohttpd daemons ("shards") behind one
// listening socket that we accept on, each new connection going to the
// shard with the fewest: every resume makes libmicrohttpd walk all of its
// daemon's suspended connections (recipe pitfall 3), so with 1,000 idle
// browsers in one daemon that walk was the largest cost of a message.

#include "ipc/acceptor.hpp"
#include "ipc/event_loop.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

struct MHD_Daemon;
struct MHD_Connection;

namespace rtchat::web {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
    unsigned status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    Headers headers;

    static Response text(unsigned status, std::string body);
    static Response redirect(const std::string& location);
    static Response json(unsigned status, const std::string& json_body);
};

class HttpServer;
struct HttpShard;
struct MhdCallbacks;

/// An open Server-Sent Events stream. libmicrohttpd's connection holds it
/// until the browser leaves; whoever feeds it may hold it too. Idle streams
/// are most of chat-webd's memory, so this stays small: a class that needs
/// more per stream derives from it (Exchange::stream<T>) instead of keeping
/// a second object beside it.
class EventStream {
public:
    /// Queues bytes already in SSE form. False if the stream is gone or the
    /// browser has fallen more than max_buffered bytes behind (it is then closed).
    bool send(std::string_view bytes);
    /// Ends the stream once what is queued has been sent.
    void close();
    bool open() const { return open_; }
    /// Called once, when the connection is gone (the browser left or close()
    /// finished), while the stream is still alive. Keep what it captures to
    /// 16 trivially copyable bytes (a pointer or two): std::function holds
    /// that much without allocating.
    std::function<void()> on_closed;

    static constexpr size_t max_buffered = 256 * 1024;

private:
    friend class HttpServer;
    friend struct MhdCallbacks;
    friend class Exchange;
    ssize_t read(char* buf, size_t max);
    void resume();
    /// The connection is gone: unlinks the stream and tells on_closed.
    void finish();

    HttpShard* shard_ = nullptr;
    MHD_Connection* conn_ = nullptr;
    std::string buffer_;
    size_t sent_ = 0;
    /// The connection's reference, from queueing until libmicrohttpd frees
    /// the response; its callbacks get the raw pointer.
    std::shared_ptr<EventStream> self_;
    /// The server's list of open streams (for stop()), threaded through them.
    EventStream* prev_ = nullptr;
    EventStream* next_ = nullptr;
    bool suspended_ = false;
    bool closing_ = false;
    bool open_ = true;
    bool queued_ = false;
};

/// One request and its answer.
class Exchange {
public:
    const std::string& method() const { return method_; }
    const std::string& path() const { return path_; }
    const std::string& body() const { return body_; }
    /// The peer's IP address as text (the proxy's, behind Apache).
    const std::string& peer_address() const { return peer_; }
    bool body_too_large() const { return body_too_large_; }
    /// A request header, cookie or query argument; empty when absent.
    std::string header(const char* name) const;
    std::string cookie(const char* name) const;
    std::string query(const char* name) const;

    /// Answers; from the handler or later. Ignored once the browser is gone.
    void respond(Response response);
    /// Answers with an event stream; `headers` are added to the response.
    /// The stream is a T, which derives from EventStream.
    template <class T = EventStream> std::shared_ptr<T> stream(Headers headers) {
        static_assert(std::is_base_of_v<EventStream, T>);
        auto s = std::make_shared<T>();
        start_stream(s, std::move(headers));
        return s;
    }
    bool answered() const { return answered_; }

private:
    /// The answer is ready: let MHD pick it up if it was waiting for one.
    void resume();
    void start_stream(const std::shared_ptr<EventStream>& s, Headers headers);
    friend class HttpServer;
    friend struct MhdCallbacks;
    HttpShard* shard_ = nullptr;
    MHD_Connection* conn_ = nullptr;
    std::string method_;
    std::string path_;
    std::string body_;
    std::string peer_;
    bool body_too_large_ = false;
    bool dispatched_ = false;
    bool answered_ = false;
    bool suspended_ = false;
    bool finished_ = false;
    std::optional<Response> response_;
    std::shared_ptr<EventStream> stream_;
    Headers stream_headers_;
};

struct ServerOptions {
    std::string listen = "127.0.0.1:8080"; ///< host:port; [v6]:port for IPv6
    size_t max_body_bytes = 64 * 1024;
    unsigned connection_limit = 20000;
    /// Per-connection memory pool; also bounds request headers: with 6 KiB,
    /// a browser's usual headers behind Apache plus about 2.2 KB of
    /// cookies fit (8 KiB: 3.2 KB).
    size_t connection_memory = 6144;
    unsigned idle_timeout_seconds = 60; ///< for requests; streams never time out
    Headers default_headers;            ///< added to every response
};

class HttpServer {
public:
    using Handler = std::function<void(const std::shared_ptr<Exchange>&)>;

    HttpServer(ipc::EventLoop& loop, ServerOptions options, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts serving; throws std::runtime_error naming the address.
    void start();
    /// Resumes everything suspended, then stops libmicrohttpd.
    void stop();
    size_t open_streams() const { return open_streams_; }
    /// Open connections in each shard (for tests and the benchmark).
    std::vector<size_t> connections_per_shard() const;

    static constexpr size_t shard_count = 16;

private:
    friend class Exchange;
    friend class EventStream;
    friend struct MhdCallbacks;
    bool queue(Exchange& ex);
    void add_connection(ipc::Fd fd, const ipc::Acceptor::Peer& peer);
    /// Runs every shard that has work until none has.
    void run_due();
    void run(HttpShard& shard);
    void wake(HttpShard& shard);

    ipc::EventLoop& loop_;
    ServerOptions options_;
    Handler handler_;
    std::vector<std::unique_ptr<HttpShard>> shards_;
    std::unique_ptr<ipc::Acceptor> acceptor_; ///< set while serving
    bool run_needed_ = false;
    std::set<Exchange*> suspended_;
    EventStream* first_stream_ = nullptr;
    size_t open_streams_ = 0;
};

} // namespace rtchat::web
