#pragma once
// libmicrohttpd, driven from our own epoll loop (MHD_USE_EPOLL, no internal
// thread: see shared/recipes/libmicrohttpd.md for why). A request can be
// answered at once or later, from another callback (a reply from chatd):
// until then its connection is suspended. Event streams are callback
// responses that suspend when they have nothing to send, so an idle
// browser costs no CPU and no thread.

#include "ipc/event_loop.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
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
struct MhdCallbacks;

/// An open Server-Sent Events stream. Owned jointly by the server (until
/// the browser leaves) and whoever feeds it.
class EventStream {
public:
    /// Queues bytes already in SSE form. False if the stream is gone or the
    /// browser has fallen more than `max_buffered` bytes behind (it is then closed).
    bool send(std::string_view bytes);
    /// Ends the stream once what is queued has been sent.
    void close();
    bool open() const { return open_; }
    /// Called once, when the connection is gone (the browser left or close() finished).
    std::function<void()> on_closed;

private:
    friend class HttpServer;
    friend struct MhdCallbacks;
    friend class Exchange;
    ssize_t read(char* buf, size_t max);
    void resume();

    HttpServer* server_ = nullptr;
    MHD_Connection* conn_ = nullptr;
    std::string buffer_;
    size_t sent_ = 0;
    size_t max_buffered_ = 256 * 1024;
    bool suspended_ = false;
    bool closing_ = false;
    bool open_ = true;
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
    std::shared_ptr<EventStream> stream(Headers headers);
    bool answered() const { return answered_; }

private:
    /// The answer is ready: let MHD pick it up if it was waiting for one.
    void resume();
    friend class HttpServer;
    friend struct MhdCallbacks;
    HttpServer* server_ = nullptr;
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
    /// Per-connection memory pool; also bounds request headers: with 8 KB,
    /// measured 2.4 KB of many short header lines, 7 KB in one long one.
    size_t connection_memory = 8192;
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
    size_t open_streams() const { return streams_.size(); }

private:
    friend class Exchange;
    friend class EventStream;
    friend struct MhdCallbacks;
    bool queue(Exchange& ex);
    void run();
    void wake() { run_needed_ = true; }

    ipc::EventLoop& loop_;
    ServerOptions options_;
    Handler handler_;
    MHD_Daemon* daemon_ = nullptr;
    ipc::EventLoop::Registration reg_ = 0;
    bool run_needed_ = false;
    std::set<Exchange*> suspended_;
    std::set<EventStream*> streams_;
};

} // namespace rtchat::web
