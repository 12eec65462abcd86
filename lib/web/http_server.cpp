#include "web/http_server.hpp"

#include "log/log.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdexcept>
#include <sys/epoll.h>

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

// The C callbacks; exceptions never cross them.
struct MhdCallbacks {
    static MHD_Result access(void* cls, MHD_Connection* conn, const char* url, const char* method,
                             const char*, const char* upload_data, size_t* upload_size,
                             void** con_cls) {
        auto* server = static_cast<HttpServer*>(cls);
        try {
            auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
            if (!holder) {
                // First call: headers only. Answering now would force
                // "Connection: close" (recipe pitfall 6), so wait for the next.
                auto ex = std::make_shared<Exchange>();
                ex->server_ = server;
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
        auto* server = static_cast<HttpServer*>(cls);
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
    server_->suspended_.erase(this);
    MHD_resume_connection(conn_);
    server_->wake();
}

void Exchange::start_stream(const std::shared_ptr<EventStream>& s, Headers headers) {
    if (answered_ || finished_) {
        s->open_ = false;
        return;
    }
    answered_ = true;
    s->server_ = server_;
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
        server_->wake();
    }
}

void EventStream::finish() {
    if (!open_)
        return;
    open_ = false;
    conn_ = nullptr;
    if (queued_ && server_) {
        (prev_ ? prev_->next_ : server_->first_stream_) = next_;
        if (next_)
            next_->prev_ = prev_;
        prev_ = next_ = nullptr;
        --server_->open_streams_;
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
    sockaddr_storage addr{};
    std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
    const bool v6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);

    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    daemon_ = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &MhdCallbacks::access, this, MHD_OPTION_EXTERNAL_LOGGER,
        &MhdCallbacks::log_mhd, nullptr, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.connection_memory, MHD_OPTION_CONNECTION_LIMIT,
        options_.connection_limit, MHD_OPTION_CONNECTION_TIMEOUT, options_.idle_timeout_seconds,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096U, MHD_OPTION_NOTIFY_COMPLETED,
        &MhdCallbacks::completed, this, MHD_OPTION_END);
    if (!daemon_)
        throw std::runtime_error(fmt::format(
            "cannot listen on {}: is the address in use, or not this machine's?", listen));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
    reg_ = loop_.add(info->epoll_fd, EPOLLIN, [this](uint32_t) { run(); });
    loop_.add_prepare([this]() -> int {
        if (!daemon_)
            return -1;
        // MHD's timeout says when MHD_run is due even without socket
        // activity (a resumed connection, buffered data, an idle timeout);
        // when it is due now, run it rather than spin on a zero wait.
        MHD_UNSIGNED_LONG_LONG timeout = 0;
        if (run_needed_ || (MHD_get_timeout(daemon_, &timeout) == MHD_YES && timeout == 0))
            run();
        if (MHD_get_timeout(daemon_, &timeout) != MHD_YES)
            return -1;
        return static_cast<int>(std::min<MHD_UNSIGNED_LONG_LONG>(timeout, 60000));
    });
}

void HttpServer::run() {
    // A resume takes effect only in the next MHD_run: keep running while
    // the last run resumed anything (recipe pitfall 2).
    do {
        run_needed_ = false;
        MHD_run(daemon_);
    } while (run_needed_);
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
    if (!daemon_)
        return;
    // Everything suspended must be resumed before MHD_stop_daemon (pitfall 5).
    for (Exchange* ex : std::set<Exchange*>(suspended_))
        ex->respond(Response::text(503, "The server is stopping.\n"));
    for (EventStream* s = first_stream_; s; s = s->next_)
        s->close();
    MHD_run(daemon_);
    loop_.remove(reg_);
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
}

} // namespace rtchat::web
