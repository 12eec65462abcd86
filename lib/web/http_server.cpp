#include "web/http_server.hpp"

#include "log/log.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtchat::web {

Response Response::text(unsigned status, std::string body) {
    return Response{status, "text/plain; charset=utf-8", std::move(body), {}};
}

Response Response::redirect(const std::string& location) {
    return Response{303, "text/plain; charset=utf-8", "", {{"Location", location}}};
}

Response Response::json(unsigned status, const std::string& json_body) {
    return Response{status, "application/json", json_body, {}};
}

namespace {

std::string lookup(MHD_Connection* conn, MHD_ValueKind kind, const char* name) {
    if (!conn)
        return {};
    const char* v = MHD_lookup_connection_value(conn, kind, name);
    return v ? std::string(v) : std::string();
}

std::string peer_of(MHD_Connection* conn) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return "unknown";
    char text[INET6_ADDRSTRLEN] = {};
    const sockaddr* sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
                  sizeof text);
    return text;
}

void add_headers(MHD_Response* r, const Headers& headers) {
    for (const auto& [name, value] : headers)
        MHD_add_response_header(r, name.c_str(), value.c_str());
}

} // namespace

/// One libmicrohttpd daemon and its share of the connections.
struct HttpShard {
    HttpServer* server = nullptr;
    MHD_Daemon* daemon = nullptr;
    ipc::EventLoop::Registration reg = 0;
    size_t connections = 0;
    /// Something was resumed or added: its daemon must run before the loop sleeps.
    bool run_needed = false;
};

// The C callbacks; exceptions never cross them.
struct MhdCallbacks {
    static MHD_Result access(void* cls, MHD_Connection* conn, const char* url, const char* method,
                             const char*, const char* upload_data, size_t* upload_size,
                             void** con_cls) {
        auto* shard = static_cast<HttpShard*>(cls);
        HttpServer* server = shard->server;
        try {
            auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
            if (!holder) {
                // First call: headers only. Answering now would force
                // "Connection: close" (recipe pitfall 6), so wait for the next.
                auto ex = std::make_shared<Exchange>();
                ex->shard_ = shard;
                ex->conn_ = conn;
                ex->method_ = method;
                ex->path_ = url;
                ex->peer_ = peer_of(conn);
                *con_cls = new std::shared_ptr<Exchange>(std::move(ex));
                return MHD_YES;
            }
            Exchange& ex = **holder;
            if (*upload_size > 0) {
                if (ex.body_.size() + *upload_size > server->options_.max_body_bytes)
                    ex.body_too_large_ = true;
                else
                    ex.body_.append(upload_data, *upload_size);
                *upload_size = 0;
                return MHD_YES;
            }
            if (!ex.dispatched_) {
                ex.dispatched_ = true;
                server->handler_(*holder);
            }
            if (ex.stream_) {
                const bool ok = server->queue(ex);
                // From here the stream is the connection's whole state: the
                // exchange is done, and an idle browser should not keep it.
                ex.stream_.reset();
                ex.finished_ = true;
                ex.conn_ = nullptr;
                delete holder;
                *con_cls = nullptr;
                return ok ? MHD_YES : MHD_NO;
            }
            if (ex.response_)
                return server->queue(ex) ? MHD_YES : MHD_NO;
            // No answer yet: it comes from another callback, which resumes us.
            MHD_suspend_connection(conn);
            ex.suspended_ = true;
            server->suspended_.insert(&ex);
            return MHD_YES;
        } catch (const std::exception& e) {
            const std::string_view path(url);
            log::error(
                "http_handler_failed",
                {{"path", path.starts_with("/c/") ? "/c/[token]" : path}, {"error", e.what()}});
            return MHD_NO;
        }
    }

    static void completed(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
        HttpServer* server = static_cast<HttpShard*>(cls)->server;
        auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
        if (!holder)
            return;
        Exchange& ex = **holder;
        // The browser left before its stream was sent: the stream ends here,
        // or whoever counted it would wait for an end that never comes.
        if (ex.stream_ && !ex.stream_->queued_)
            ex.stream_->finish();
        ex.finished_ = true;
        ex.conn_ = nullptr;
        server->suspended_.erase(holder->get());
        delete holder;
        *con_cls = nullptr;
    }

    static void connection_changed(void* cls, MHD_Connection*, void**,
                                   MHD_ConnectionNotificationCode code) {
        auto* shard = static_cast<HttpShard*>(cls);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            ++shard->connections;
            return;
        }
        --shard->connections;
        if (shard->server->acceptor_)
            shard->server->acceptor_->connection_ended();
    }

    static ssize_t stream_read(void* cls, uint64_t, char* buf, size_t max) {
        return static_cast<EventStream*>(cls)->read(buf, max);
    }

    static void stream_free(void* cls) {
        auto* raw = static_cast<EventStream*>(cls);
        // Alive until on_closed has run, released when this returns.
        const std::shared_ptr<EventStream> stream = std::move(raw->self_);
        stream->finish();
    }

    static void log_mhd(void*, const char* fmt, va_list ap) {
        char text[512];
        std::vsnprintf(text, sizeof text, fmt, ap);
        std::string line(text);
        // A guest link's token is a credential: never in the journal.
        if (const size_t at = line.find("/c/"); at != std::string::npos)
            line = line.substr(0, at + 3) + "[token]";
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.pop_back();
        // A browser that left while its stream slept is found out when the
        // stream ends (chat-webd stopping, or the chat closing): routine.
        if (line.find("closed by remote peer") != std::string::npos)
            log::debug("libmicrohttpd", {{"message", line}});
        else
            log::warning("libmicrohttpd", {{"message", line}});
    }
};

std::string Exchange::header(const char* name) const {
    return lookup(conn_, MHD_HEADER_KIND, name);
}
std::string Exchange::cookie(const char* name) const {
    return lookup(conn_, MHD_COOKIE_KIND, name);
}
std::string Exchange::query(const char* name) const {
    return lookup(conn_, MHD_GET_ARGUMENT_KIND, name);
}

void Exchange::respond(Response response) {
    if (answered_ || finished_)
        return;
    answered_ = true;
    response_ = std::move(response);
    resume();
}

void Exchange::resume() {
    if (!suspended_)
        return;
    suspended_ = false;
    shard_->server->suspended_.erase(this);
    MHD_resume_connection(conn_);
    shard_->server->wake(*shard_);
}

void Exchange::start_stream(const std::shared_ptr<EventStream>& s, Headers headers) {
    if (answered_ || finished_) {
        s->open_ = false;
        return;
    }
    answered_ = true;
    s->shard_ = shard_;
    s->conn_ = conn_;
    stream_ = s;
    stream_headers_ = std::move(headers);
    resume();
}

bool EventStream::send(std::string_view bytes) {
    if (!open_ || closing_)
        return false;
    if (buffer_.size() - sent_ + bytes.size() > max_buffered) {
        log::warning("stream_too_slow", {{"buffered", buffer_.size() - sent_}});
        close();
        return false;
    }
    buffer_.append(bytes);
    resume();
    return true;
}

void EventStream::close() {
    if (!open_)
        return;
    closing_ = true;
    resume();
}

void EventStream::resume() {
    if (suspended_ && conn_) {
        suspended_ = false;
        MHD_resume_connection(conn_);
        shard_->server->wake(*shard_);
    }
}

void EventStream::finish() {
    if (!open_)
        return;
    open_ = false;
    conn_ = nullptr;
    if (queued_ && shard_) {
        HttpServer* server = shard_->server;
        (prev_ ? prev_->next_ : server->first_stream_) = next_;
        if (next_)
            next_->prev_ = prev_;
        prev_ = next_ = nullptr;
        --server->open_streams_;
    }
    if (auto done = std::move(on_closed)) {
        try {
            done();
        } catch (const std::exception& e) {
            log::error("stream_close_failed", {{"error", e.what()}});
        }
    }
}

ssize_t EventStream::read(char* buf, size_t max) {
    const size_t available = buffer_.size() - sent_;
    if (available > 0) {
        const size_t n = std::min(available, max);
        std::memcpy(buf, buffer_.data() + sent_, n);
        sent_ += n;
        if (sent_ == buffer_.size()) {
            // Idle streams are most streams: give the buffer back.
            std::string().swap(buffer_);
            sent_ = 0;
        }
        return static_cast<ssize_t>(n);
    }
    if (closing_)
        return MHD_CONTENT_READER_END_OF_STREAM;
    // Nothing to send: sleep until send() resumes us (no busy loop, no thread).
    MHD_suspend_connection(conn_);
    suspended_ = true;
    return 0;
}

HttpServer::HttpServer(ipc::EventLoop& loop, ServerOptions options, Handler handler)
    : loop_(loop)
    , options_(std::move(options))
    , handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    const std::string& listen = options_.listen;
    const size_t colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    const std::string port = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
        throw std::runtime_error(
            fmt::format("cannot use listen address {}: {}", listen, gai_strerror(rc)));
    ipc::Fd listener(socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int one = 1;
    setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (found->ai_family == AF_INET6)
        setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    const bool bound = listener && bind(listener.get(), found->ai_addr, found->ai_addrlen) == 0 &&
                       ::listen(listener.get(), 4096) == 0;
    const int error = errno;
    freeaddrinfo(found);
    if (!bound)
        throw std::runtime_error(
            fmt::format("cannot listen on {}: {}{}", listen, strerror(error),
                        error == EADDRINUSE ? " (is chat-webd running?)" : ""));

    unsigned flags =
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
    for (size_t i = 0; i < shard_count; ++i) {
        auto shard = std::make_unique<HttpShard>();
        shard->server = this;
        HttpShard* raw = shard.get();
        // The connection limit is the server's (accept_connections); each
        // daemon is only kept from going beyond it on its own.
        shard->daemon = MHD_start_daemon(
            flags, 0, nullptr, nullptr, &MhdCallbacks::access, raw, MHD_OPTION_EXTERNAL_LOGGER,
            &MhdCallbacks::log_mhd, nullptr, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            options_.connection_memory, MHD_OPTION_CONNECTION_LIMIT, options_.connection_limit,
            MHD_OPTION_CONNECTION_TIMEOUT, options_.idle_timeout_seconds,
            MHD_OPTION_NOTIFY_COMPLETED, &MhdCallbacks::completed, raw,
            MHD_OPTION_NOTIFY_CONNECTION, &MhdCallbacks::connection_changed, raw, MHD_OPTION_END);
        if (!shard->daemon) {
            stop();
            throw std::runtime_error(fmt::format("cannot start the HTTP server for {}", listen));
        }
        const MHD_DaemonInfo* info = MHD_get_daemon_info(shard->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        shard->reg = loop_.add(info->epoll_fd, EPOLLIN, [this, raw](uint32_t) {
            run(*raw);
            run_due();
        });
        shards_.push_back(std::move(shard));
    }
    // New connections are run by the prepare hook below, before the loop sleeps.
    acceptor_ = std::make_unique<ipc::Acceptor>(
        loop_, std::move(listener), [this](ipc::Fd fd, const ipc::Acceptor::Peer& peer) {
            add_connection(std::move(fd), peer);
        });
    loop_.add_prepare([this]() -> int {
        if (shards_.empty())
            return -1;
        // MHD's timeout says when MHD_run is due even without socket
        // activity (a resumed connection, buffered data, an idle timeout);
        // when it is due now, run it rather than spin on a zero wait.
        int wait = -1;
        for (auto& shard : shards_) {
            MHD_UNSIGNED_LONG_LONG timeout = 0;
            if (MHD_get_timeout(shard->daemon, &timeout) == MHD_YES && timeout == 0)
                wake(*shard);
        }
        run_due();
        for (auto& shard : shards_) {
            MHD_UNSIGNED_LONG_LONG timeout = 0;
            if (MHD_get_timeout(shard->daemon, &timeout) == MHD_YES) {
                const int t = static_cast<int>(std::min<MHD_UNSIGNED_LONG_LONG>(timeout, 60000));
                wait = wait < 0 ? t : std::min(wait, t);
            }
        }
        return wait;
    });
}

void HttpServer::add_connection(ipc::Fd fd, const ipc::Acceptor::Peer& peer) {
    size_t connections = 0;
    for (const auto& shard : shards_)
        connections += shard->connections;
    if (connections >= options_.connection_limit) {
        log::warning("connection_refused",
                     {{"reason", "connection limit"}, {"limit", options_.connection_limit}});
        return;
    }
    HttpShard& shard =
        **std::min_element(shards_.begin(), shards_.end(), [](const auto& a, const auto& b) {
            return a->connections < b->connections;
        });
    // MHD closes the socket itself when it cannot take it.
    if (MHD_add_connection(shard.daemon, fd.release(),
                           reinterpret_cast<const sockaddr*>(&peer.address),
                           peer.length) != MHD_YES)
        log::warning("connection_refused", {{"reason", "the HTTP server could not take it"}});
    wake(shard);
}

void HttpServer::wake(HttpShard& shard) {
    shard.run_needed = true;
    run_needed_ = true;
}

void HttpServer::run(HttpShard& shard) {
    // A resume takes effect only in the next MHD_run: keep running while
    // the last run resumed anything (recipe pitfall 2).
    do {
        shard.run_needed = false;
        MHD_run(shard.daemon);
    } while (shard.run_needed);
}

void HttpServer::run_due() {
    // A callback in one shard may resume connections of another.
    while (run_needed_) {
        run_needed_ = false;
        for (auto& shard : shards_)
            if (shard->run_needed)
                run(*shard);
    }
}

std::vector<size_t> HttpServer::connections_per_shard() const {
    std::vector<size_t> counts;
    for (const auto& shard : shards_)
        counts.push_back(shard->connections);
    return counts;
}

bool HttpServer::queue(Exchange& ex) {
    MHD_Response* r = nullptr;
    unsigned status = MHD_HTTP_OK;
    if (ex.stream_) {
        EventStream& s = *ex.stream_;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, &MhdCallbacks::stream_read,
                                              &s, &MhdCallbacks::stream_free);
        if (!r) {
            s.finish();
            return false;
        }
        s.self_ = ex.stream_;
        s.queued_ = true;
        s.next_ = first_stream_;
        if (first_stream_)
            first_stream_->prev_ = &s;
        first_stream_ = &s;
        ++open_streams_;
        add_headers(r, ex.stream_headers_);
        // Nothing more: every response header is kept for the life of the
        // stream, about 130 bytes each. (A proxy in front is told not to
        // buffer by its own configuration: flushpackets=on in Apache,
        // proxy_buffering off in nginx.)
        MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
        // Streams live as long as the browser keeps them open.
        MHD_set_connection_option(ex.conn_, MHD_CONNECTION_OPTION_TIMEOUT, 0U);
        const MHD_Result ok = MHD_queue_response(ex.conn_, status, r);
        MHD_destroy_response(r);
        return ok == MHD_YES;
    } else {
        Response& resp = *ex.response_;
        status = resp.status;
        r = MHD_create_response_from_buffer(resp.body.size(), resp.body.data(),
                                            MHD_RESPMEM_MUST_COPY);
        add_headers(r, resp.headers);
        MHD_add_response_header(r, "Content-Type", resp.content_type.c_str());
    }
    add_headers(r, options_.default_headers);
    const MHD_Result ok = MHD_queue_response(ex.conn_, status, r);
    MHD_destroy_response(r);
    return ok == MHD_YES;
}

void HttpServer::stop() {
    acceptor_.reset();
    if (shards_.empty())
        return;
    // Everything suspended must be resumed before MHD_stop_daemon (pitfall 5).
    for (Exchange* ex : std::set<Exchange*>(suspended_))
        ex->respond(Response::text(503, "The server is stopping.\n"));
    for (EventStream* s = first_stream_; s; s = s->next_)
        s->close();
    for (auto& shard : shards_) {
        MHD_run(shard->daemon);
        loop_.remove(shard->reg);
        MHD_stop_daemon(shard->daemon);
    }
    shards_.clear();
}

} // namespace rtchat::web
