#include "xmpp/link.hpp"

#include "log/log.hpp"

#include <algorithm>
#include <cstring>
#include <strophe.h>
#include <sys/epoll.h>

namespace rtchat::xmpp {
namespace {

constexpr const char* chatstates_ns = "http://jabber.org/protocol/chatstates";

std::string text_of(const char* s) {
    return s ? std::string(s) : std::string();
}

std::string bare(const std::string& jid) {
    return jid.substr(0, jid.find('/'));
}

// "chat-42@chat.example.org" -> "chat-42"; "chat.example.org" -> "".
std::string local_of(const std::string& jid) {
    const std::string b = bare(jid);
    const size_t at = b.find('@');
    return at == std::string::npos ? std::string() : b.substr(0, at);
}

} // namespace

struct Link::Impl {
    ipc::EventLoop& loop;
    Settings settings;
    Callbacks callbacks;
    xmpp_ctx_t* ctx = nullptr;
    xmpp_conn_t* conn = nullptr;
    int fd = -1;
    ipc::EventLoop::Registration fd_reg = 0;
    ipc::EventLoop::Registration tick_reg = 0;
    bool up = false;
    bool stopping = false;
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::seconds backoff{1};
    bool reconnect_pending = false;
    std::deque<std::function<void()>> waiting; ///< sends while the link is down

    Impl(ipc::EventLoop& l, Settings s, Callbacks c)
        : loop(l)
        , settings(std::move(s))
        , callbacks(std::move(c)) {}

    // libstrophe does its I/O in xmpp_run_once; with a zero timeout it only
    // handles what is ready, so it runs from the loop without blocking it.
    void pump() { xmpp_run_once(ctx, 0); }

    void watch(int new_fd) {
        unwatch();
        fd = new_fd;
        fd_reg = loop.add(fd, EPOLLIN, [this](uint32_t) { pump(); });
    }

    void unwatch() {
        if (fd_reg)
            loop.remove(fd_reg);
        fd_reg = 0;
        fd = -1;
    }

    void connect() {
        if (conn) {
            xmpp_conn_release(conn);
            conn = nullptr;
        }
        conn = xmpp_conn_new(ctx);
        xmpp_conn_set_jid(conn, settings.domain.c_str());
        xmpp_conn_set_pass(conn, settings.secret.c_str());
        xmpp_conn_set_sockopt_callback(conn, &Impl::on_socket);
        // libstrophe 0.12 allocates its stream-management state only in a
        // client connect: without this failing one (empty host), a component
        // dereferences NULL on its first stanza (see shared/recipes/xmpp.md).
        (void)xmpp_connect_client(conn, "", 1, nullptr, nullptr);
        if (xmpp_connect_component(conn, settings.host.c_str(),
                                   static_cast<unsigned short>(settings.port), &Impl::on_conn,
                                   this) != XMPP_EOK) {
            log::warning("xmpp_connect_failed", {{"host", settings.host}, {"port", settings.port}});
            schedule_reconnect();
        }
    }

    void schedule_reconnect() {
        up = false;
        reconnect_pending = true;
        next_attempt = std::chrono::steady_clock::now() + backoff;
        log::info("xmpp_reconnect_scheduled", {{"in_s", static_cast<int64_t>(backoff.count())}});
        backoff = std::min(backoff * 2, std::chrono::seconds(60));
    }

    void tick() {
        if (reconnect_pending && !stopping && std::chrono::steady_clock::now() >= next_attempt) {
            reconnect_pending = false;
            unwatch();
            connect();
        }
        pump();
    }

    // libstrophe 0.12 gives the socket callback no user data; a process
    // has one link, so the callback finds it here.
    static inline Impl* instance = nullptr;

    static int on_socket(xmpp_conn_t*, void* sock) {
        if (instance)
            instance->watch(*static_cast<int*>(sock));
        return 0;
    }

    static void on_conn(xmpp_conn_t* c, xmpp_conn_event_t event, int error,
                        xmpp_stream_error_t* stream_error, void* userdata) {
        auto* self = static_cast<Impl*>(userdata);
        if (event == XMPP_CONN_CONNECT) {
            self->up = true;
            self->backoff = std::chrono::seconds(1);
            xmpp_handler_add(c, &Impl::on_message_stanza, nullptr, "message", nullptr, self);
            xmpp_handler_add(c, &Impl::on_presence_stanza, nullptr, "presence", nullptr, self);
            log::info("xmpp_connected",
                      {{"domain", self->settings.domain}, {"queued", self->waiting.size()}});
            while (!self->waiting.empty()) {
                self->waiting.front()();
                self->waiting.pop_front();
            }
            if (self->callbacks.on_connected)
                self->callbacks.on_connected();
            return;
        }
        const std::string why = stream_error && stream_error->text ? stream_error->text
                                : error                            ? std::strerror(error)
                                                                   : "closed";
        log::warning("xmpp_disconnected", {{"domain", self->settings.domain}, {"reason", why}});
        // The socket is already closed: forget it before its number is reused.
        self->unwatch();
        if (self->stopping)
            return; // chatd is going: nobody left to tell
        self->schedule_reconnect();
        if (self->callbacks.on_disconnected)
            self->callbacks.on_disconnected();
    }

    static int on_message_stanza(xmpp_conn_t*, xmpp_stanza_t* stanza, void* userdata) {
        auto* self = static_cast<Impl*>(userdata);
        const std::string type = text_of(xmpp_stanza_get_type(stanza));
        if (type == "error")
            return 1;
        const std::string from = text_of(xmpp_stanza_get_from(stanza));
        const std::string local = local_of(text_of(xmpp_stanza_get_to(stanza)));
        if (xmpp_stanza_t* state = xmpp_stanza_get_child_by_ns(stanza, chatstates_ns))
            if (self->callbacks.on_chatstate)
                self->callbacks.on_chatstate(bare(from), local,
                                             text_of(xmpp_stanza_get_name(state)));
        if (char* body = xmpp_message_get_body(stanza)) {
            const std::string text(body);
            xmpp_free(self->ctx, body);
            if (text.size() > self->settings.max_stanza_bytes) {
                self->send_error_now(local, from, "not-acceptable", "message too long");
                return 1;
            }
            if (self->callbacks.on_message)
                self->callbacks.on_message(from, local, text); // full JID: replies go back to it
        }
        return 1; // keep the handler
    }

    static int on_presence_stanza(xmpp_conn_t*, xmpp_stanza_t* stanza, void* userdata) {
        auto* self = static_cast<Impl*>(userdata);
        std::string type = text_of(xmpp_stanza_get_type(stanza));
        if (type == "error")
            return 1;
        if (type.empty())
            type = "available";
        log::debug("xmpp_presence", {{"type", type}});
        if (self->callbacks.on_presence)
            self->callbacks.on_presence(text_of(xmpp_stanza_get_from(stanza)),
                                        local_of(text_of(xmpp_stanza_get_to(stanza))), type);
        return 1;
    }

    std::string address(const std::string& local) const {
        return local.empty() ? settings.domain : local + "@" + settings.domain;
    }

    // Sends now if connected, else later; each send is a closure so the
    // queue keeps what it needs.
    void send_or_queue(std::function<void()> send) {
        if (up) {
            send();
            pump(); // write it out now, not at the next tick
        } else {
            if (waiting.size() >= 10000)
                waiting.pop_front();
            waiting.push_back(std::move(send));
        }
    }

    void send_error_now(const std::string& from_local, const std::string& to,
                        const std::string& condition, const std::string& text) {
        // A stanza error (RFC 6120 8.3): <error type="cancel"><condition/><text/>.
        constexpr const char* stanzas_ns = "urn:ietf:params:xml:ns:xmpp-stanzas";
        xmpp_stanza_t* m = xmpp_message_new(ctx, "error", to.c_str(), nullptr);
        xmpp_stanza_set_from(m, address(from_local).c_str());
        xmpp_stanza_t* err = xmpp_stanza_new(ctx);
        xmpp_stanza_set_name(err, "error");
        xmpp_stanza_set_type(err, "cancel");
        xmpp_stanza_t* cond = xmpp_stanza_new(ctx);
        xmpp_stanza_set_name(cond, condition.c_str());
        xmpp_stanza_set_ns(cond, stanzas_ns);
        xmpp_stanza_add_child(err, cond);
        xmpp_stanza_release(cond);
        xmpp_stanza_t* text_el = xmpp_stanza_new(ctx);
        xmpp_stanza_set_name(text_el, "text");
        xmpp_stanza_set_ns(text_el, stanzas_ns);
        xmpp_stanza_t* body = xmpp_stanza_new(ctx);
        xmpp_stanza_set_text(body, text.c_str());
        xmpp_stanza_add_child(text_el, body);
        xmpp_stanza_release(body);
        xmpp_stanza_add_child(err, text_el);
        xmpp_stanza_release(text_el);
        xmpp_stanza_add_child(m, err);
        xmpp_stanza_release(err);
        xmpp_send(conn, m);
        xmpp_stanza_release(m);
    }
};

Link::Link(ipc::EventLoop& loop, Settings settings, Callbacks callbacks)
    : impl_(std::make_unique<Impl>(loop, std::move(settings), std::move(callbacks))) {
    xmpp_initialize();
    impl_->ctx = xmpp_ctx_new(nullptr, nullptr);
    Impl::instance = impl_.get();
}

Link::~Link() {
    impl_->stopping = true;
    if (impl_->tick_reg)
        impl_->loop.remove(impl_->tick_reg);
    if (impl_->conn) {
        if (impl_->up)
            xmpp_disconnect(impl_->conn);
        xmpp_run_once(impl_->ctx, 0);
        impl_->unwatch();
        xmpp_conn_release(impl_->conn);
    }
    xmpp_ctx_free(impl_->ctx);
    xmpp_shutdown();
    Impl::instance = nullptr;
}

void Link::start() {
    impl_->tick_reg = impl_->loop.every(std::chrono::milliseconds(100), [this] { impl_->tick(); });
    impl_->connect();
}

bool Link::connected() const {
    return impl_->up;
}

std::string Link::address_of(const std::string& local) const {
    return impl_->address(local);
}

void Link::send_message(const std::string& from_local, const std::string& to,
                        const std::string& body) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, from_local, to, body] {
        xmpp_stanza_t* m = xmpp_message_new(impl->ctx, "chat", to.c_str(), nullptr);
        xmpp_stanza_set_from(m, impl->address(from_local).c_str());
        xmpp_message_set_body(m, body.c_str());
        xmpp_stanza_t* active = xmpp_stanza_new(impl->ctx);
        xmpp_stanza_set_name(active, "active");
        xmpp_stanza_set_ns(active, chatstates_ns);
        xmpp_stanza_add_child(m, active);
        xmpp_stanza_release(active);
        xmpp_send(impl->conn, m);
        xmpp_stanza_release(m);
    });
}

void Link::send_chatstate(const std::string& from_local, const std::string& to,
                          const std::string& state) {
    if (!impl_->up)
        return; // a stale "typing" is worse than none
    xmpp_stanza_t* m = xmpp_message_new(impl_->ctx, "chat", to.c_str(), nullptr);
    xmpp_stanza_set_from(m, impl_->address(from_local).c_str());
    xmpp_stanza_t* s = xmpp_stanza_new(impl_->ctx);
    xmpp_stanza_set_name(s, state.c_str());
    xmpp_stanza_set_ns(s, chatstates_ns);
    xmpp_stanza_add_child(m, s);
    xmpp_stanza_release(s);
    xmpp_send(impl_->conn, m);
    xmpp_stanza_release(m);
    impl_->pump();
}

void Link::send_presence(const std::string& from_local, const std::string& to, bool available,
                         const std::string& show, const std::string& status) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, from_local, to, available, show, status] {
        xmpp_stanza_t* p = xmpp_presence_new(impl->ctx);
        xmpp_stanza_set_from(p, impl->address(from_local).c_str());
        xmpp_stanza_set_to(p, to.c_str());
        if (!available)
            xmpp_stanza_set_type(p, "unavailable");
        auto child_text = [&](const char* name, const std::string& value) {
            xmpp_stanza_t* child = xmpp_stanza_new(impl->ctx);
            xmpp_stanza_set_name(child, name);
            xmpp_stanza_t* text = xmpp_stanza_new(impl->ctx);
            xmpp_stanza_set_text(text, value.c_str());
            xmpp_stanza_add_child(child, text);
            xmpp_stanza_release(text);
            xmpp_stanza_add_child(p, child);
            xmpp_stanza_release(child);
        };
        if (available && !show.empty())
            child_text("show", show);
        if (!status.empty())
            child_text("status", status);
        xmpp_send(impl->conn, p);
        xmpp_stanza_release(p);
    });
}

void Link::send_presence_type(const std::string& from_local, const std::string& to,
                              const std::string& type) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, from_local, to, type] {
        xmpp_stanza_t* p = xmpp_presence_new(impl->ctx);
        xmpp_stanza_set_from(p, impl->address(from_local).c_str());
        xmpp_stanza_set_to(p, to.c_str());
        xmpp_stanza_set_type(p, type.c_str());
        xmpp_send(impl->conn, p);
        xmpp_stanza_release(p);
    });
}

void Link::send_error(const std::string& from_local, const std::string& to,
                      const std::string& condition, const std::string& text) {
    if (impl_->up) {
        impl_->send_error_now(from_local, to, condition, text);
        impl_->pump();
    }
}

} // namespace rtchat::xmpp
