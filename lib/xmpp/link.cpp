#include "xmpp/link.hpp"

#include "log/log.hpp"

#include <algorithm>
#include <cstring>
#include <strophe.h>
#include <sys/epoll.h>

namespace rtchat::xmpp {
namespace {

constexpr const char* chatstates_ns = "http://jabber.org/protocol/chatstates";
constexpr const char* muc_ns = "http://jabber.org/protocol/muc";
constexpr const char* muc_user_ns = "http://jabber.org/protocol/muc#user";
constexpr const char* muc_owner_ns = "http://jabber.org/protocol/muc#owner";
constexpr const char* muc_admin_ns = "http://jabber.org/protocol/muc#admin";
constexpr const char* delay_ns = "urn:xmpp:delay";

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

std::string domain_of(const std::string& jid) {
    const std::string b = bare(jid);
    const size_t at = b.find('@');
    return at == std::string::npos ? b : b.substr(at + 1);
}

std::string resource_of(const std::string& jid) {
    const size_t slash = jid.find('/');
    return slash == std::string::npos ? std::string() : jid.substr(slash + 1);
}

// A new child element of `parent` (namespace optional); the parent owns it.
xmpp_stanza_t* add_child(xmpp_ctx_t* ctx, xmpp_stanza_t* parent, const char* name,
                         const char* ns = nullptr) {
    xmpp_stanza_t* c = xmpp_stanza_new(ctx);
    xmpp_stanza_set_name(c, name);
    if (ns)
        xmpp_stanza_set_ns(c, ns);
    xmpp_stanza_add_child(parent, c);
    xmpp_stanza_release(c); // the parent holds the reference now
    return c;
}

void add_text(xmpp_ctx_t* ctx, xmpp_stanza_t* parent, const char* name, const std::string& text) {
    xmpp_stanza_t* c = add_child(ctx, parent, name);
    xmpp_stanza_t* t = xmpp_stanza_new(ctx);
    xmpp_stanza_set_text(t, text.c_str());
    xmpp_stanza_add_child(c, t);
    xmpp_stanza_release(t);
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
        xmpp_conn_set_sockopt_callback(conn, &Impl::on_socket);
        if (settings.client) {
            xmpp_conn_set_jid(conn, settings.jid.c_str());
            xmpp_conn_set_pass(conn, settings.password.c_str());
            // Our own queue covers a reconnect; stream management would
            // only add a round trip per stanza (shared/recipes/xmpp.md).
            // TLS is required: the account's password must never cross the
            // network in the clear, whatever a server offers or an attacker
            // in between strips from its offer.
            xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_DISABLE_SM | XMPP_CONN_FLAG_MANDATORY_TLS);
            if (!settings.ca_file.empty())
                xmpp_conn_set_cafile(conn, settings.ca_file.c_str());
            if (xmpp_connect_client(conn, settings.host.c_str(),
                                    static_cast<unsigned short>(settings.port), &Impl::on_conn,
                                    this) != XMPP_EOK) {
                log::warning("xmpp_connect_failed",
                             {{"host", settings.host}, {"port", settings.port}});
                schedule_reconnect();
            }
            return;
        }
        xmpp_conn_set_jid(conn, settings.domain.c_str());
        xmpp_conn_set_pass(conn, settings.secret.c_str());
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
            log::info("xmpp_connected", {{"domain", self->settings.client ? self->settings.jid
                                                                          : self->settings.domain},
                                         {"queued", self->waiting.size()}});
            if (self->settings.client) {
                // Initial presence: without it the server sends us nothing.
                xmpp_stanza_t* p = xmpp_presence_new(self->ctx);
                xmpp_send(c, p);
                xmpp_stanza_release(p);
            }
            // First what the link comes up to (a client goes back into its
            // rooms), then what waited: a room takes messages only from
            // those in it, and the server keeps the stanzas in order.
            if (self->callbacks.on_connected)
                self->callbacks.on_connected();
            while (!self->waiting.empty()) {
                self->waiting.front()();
                self->waiting.pop_front();
            }
            return;
        }
        const std::string why = stream_error && stream_error->text ? stream_error->text
                                : error                            ? std::strerror(error)
                                                                   : "closed";
        log::warning(
            "xmpp_disconnected",
            {{"domain", self->settings.client ? self->settings.jid : self->settings.domain},
             {"reason", why}});
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
        if (self->settings.client && type == "groupchat")
            return self->room_message(stanza, from);
        // A client's own address is no chat: what comes to it is for the service.
        const std::string local =
            self->settings.client ? std::string() : local_of(text_of(xmpp_stanza_get_to(stanza)));
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
        const std::string from = text_of(xmpp_stanza_get_from(stanza));
        if (self->settings.client && domain_of(from) == self->settings.muc_service) {
            if (!self->callbacks.on_room_presence)
                return 1;
            std::string jid;
            if (xmpp_stanza_t* x = xmpp_stanza_get_child_by_name_and_ns(stanza, "x", muc_user_ns))
                if (xmpp_stanza_t* item = xmpp_stanza_get_child_by_name(x, "item"))
                    jid = bare(text_of(xmpp_stanza_get_attribute(item, "jid")));
            self->callbacks.on_room_presence(local_of(from), resource_of(from), jid,
                                             type == "available");
            return 1;
        }
        if (self->callbacks.on_presence)
            self->callbacks.on_presence(from,
                                        self->settings.client
                                            ? std::string()
                                            : local_of(text_of(xmpp_stanza_get_to(stanza))),
                                        type);
        return 1;
    }

    // A groupchat message in one of our rooms; replayed history (delayed)
    // and the room's own messages (no nick) are left out.
    int room_message(xmpp_stanza_t* stanza, const std::string& from) {
        const std::string nick = resource_of(from);
        if (domain_of(from) != settings.muc_service || nick.empty() ||
            xmpp_stanza_get_child_by_name_and_ns(stanza, "delay", delay_ns))
            return 1;
        const std::string room = local_of(from);
        if (xmpp_stanza_t* state = xmpp_stanza_get_child_by_ns(stanza, chatstates_ns))
            if (callbacks.on_room_chatstate)
                callbacks.on_room_chatstate(room, nick, text_of(xmpp_stanza_get_name(state)));
        if (char* body = xmpp_message_get_body(stanza)) {
            const std::string text(body);
            xmpp_free(ctx, body);
            // Too long is refused by the receiver, who can tell the CO why.
            if (callbacks.on_room_message)
                callbacks.on_room_message(room, nick, text);
        }
        return 1;
    }

    std::string room_jid(const std::string& room) const {
        return room + "@" + settings.muc_service;
    }

    std::string address(const std::string& local) const {
        if (settings.client)
            return local.empty() ? bare(settings.jid) : room_jid(local);
        return local.empty() ? settings.domain : local + "@" + settings.domain;
    }

    // A client's stanzas carry no 'from': the server stamps it.
    void stamp_from(xmpp_stanza_t* s, const std::string& from_local) const {
        if (!settings.client)
            xmpp_stanza_set_from(s, address(from_local).c_str());
    }

    // Sends now if connected, else later; each send is a closure so the
    // queue keeps what it needs.
    void send_or_queue(std::function<void()> send) {
        if (up) {
            send();
            pump(); // write it out now, not at the next tick
        } else {
            if (waiting.size() >= 10000) {
                // A server away this long: the oldest goes, and says so.
                waiting.pop_front();
                log::warning("xmpp_queue_full", {{"dropped", 1}, {"queued", waiting.size()}});
            }
            waiting.push_back(std::move(send));
        }
    }

    void send_error_now(const std::string& from_local, const std::string& to,
                        const std::string& condition, const std::string& text) {
        // A stanza error (RFC 6120 8.3): <error type="cancel"><condition/><text/>.
        constexpr const char* stanzas_ns = "urn:ietf:params:xml:ns:xmpp-stanzas";
        xmpp_stanza_t* m = xmpp_message_new(ctx, "error", to.c_str(), nullptr);
        stamp_from(m, from_local);
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
        impl->stamp_from(m, from_local);
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
    impl_->stamp_from(m, from_local);
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
        impl->stamp_from(p, from_local);
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
        impl->stamp_from(p, from_local);
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

std::string Link::room_address(const std::string& room) const {
    return impl_->room_jid(room);
}

void Link::join_room(const std::string& room, const std::string& nick) {
    send_room_presence(room, nick, "", "");
}

void Link::send_room_presence(const std::string& room, const std::string& nick,
                              const std::string& show, const std::string& status) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, nick, show, status] {
        xmpp_stanza_t* p = xmpp_presence_new(impl->ctx);
        xmpp_stanza_set_to(p, (impl->room_jid(room) + "/" + nick).c_str());
        // Every presence says "MUC" and asks for no history: a room sends
        // its history at each (re)join, and we have it already.
        xmpp_stanza_t* x = add_child(impl->ctx, p, "x", muc_ns);
        xmpp_stanza_t* history = add_child(impl->ctx, x, "history");
        xmpp_stanza_set_attribute(history, "maxstanzas", "0");
        if (!show.empty())
            add_text(impl->ctx, p, "show", show);
        if (!status.empty())
            add_text(impl->ctx, p, "status", status);
        xmpp_send(impl->conn, p);
        xmpp_stanza_release(p);
    });
}

void Link::leave_room(const std::string& room, const std::string& nick, const std::string& status) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, nick, status] {
        xmpp_stanza_t* p = xmpp_presence_new(impl->ctx);
        xmpp_stanza_set_to(p, (impl->room_jid(room) + "/" + nick).c_str());
        xmpp_stanza_set_type(p, "unavailable");
        if (!status.empty())
            add_text(impl->ctx, p, "status", status);
        xmpp_send(impl->conn, p);
        xmpp_stanza_release(p);
    });
}

void Link::configure_room(const std::string& room, bool persistent) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, persistent] {
        xmpp_stanza_t* iq = xmpp_iq_new(impl->ctx, "set", ("config-" + room).c_str());
        xmpp_stanza_set_to(iq, impl->room_jid(room).c_str());
        xmpp_stanza_t* query = add_child(impl->ctx, iq, "query", muc_owner_ns);
        xmpp_stanza_t* form = add_child(impl->ctx, query, "x", "jabber:x:data");
        xmpp_stanza_set_type(form, "submit");
        const std::pair<const char*, const char*> fields[] = {
            {"FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"},
            {"muc#roomconfig_membersonly", "1"},
            // While the chat lasts, kept over a server restart, members-only
            // and ours: else the first to come back in would create it anew,
            // open, as its owner. Afterwards gone once empty (destroying it
            // would leave a tombstone that holds its name).
            {"muc#roomconfig_persistentroom", persistent ? "1" : "0"},
            {"muc#roomconfig_publicroom", "0"},
            {"muc#roomconfig_whois", "moderators"}, // we (its owner) see who is who
        };
        for (const auto& [var, value] : fields) {
            xmpp_stanza_t* field = add_child(impl->ctx, form, "field");
            xmpp_stanza_set_attribute(field, "var", var);
            add_text(impl->ctx, field, "value", value);
        }
        xmpp_send(impl->conn, iq);
        xmpp_stanza_release(iq);
    });
}

void Link::set_affiliation(const std::string& room, const std::string& jid,
                           const std::string& affiliation) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, jid, affiliation] {
        xmpp_stanza_t* iq = xmpp_iq_new(impl->ctx, "set", ("affiliation-" + room).c_str());
        xmpp_stanza_set_to(iq, impl->room_jid(room).c_str());
        xmpp_stanza_t* query = add_child(impl->ctx, iq, "query", muc_admin_ns);
        xmpp_stanza_t* item = add_child(impl->ctx, query, "item");
        xmpp_stanza_set_attribute(item, "affiliation", affiliation.c_str());
        xmpp_stanza_set_attribute(item, "jid", jid.c_str());
        xmpp_send(impl->conn, iq);
        xmpp_stanza_release(iq);
    });
}

void Link::invite(const std::string& room, const std::string& jid, const std::string& reason) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, jid, reason] {
        xmpp_stanza_t* m =
            xmpp_message_new(impl->ctx, nullptr, impl->room_jid(room).c_str(), nullptr);
        xmpp_stanza_t* x = add_child(impl->ctx, m, "x", muc_user_ns);
        xmpp_stanza_t* inv = add_child(impl->ctx, x, "invite");
        xmpp_stanza_set_attribute(inv, "to", jid.c_str());
        add_text(impl->ctx, inv, "reason", reason);
        xmpp_send(impl->conn, m);
        xmpp_stanza_release(m);
    });
}

void Link::send_room_message(const std::string& room, const std::string& body) {
    Impl* impl = impl_.get();
    impl->send_or_queue([impl, room, body] {
        xmpp_stanza_t* m =
            xmpp_message_new(impl->ctx, "groupchat", impl->room_jid(room).c_str(), nullptr);
        xmpp_message_set_body(m, body.c_str());
        add_child(impl->ctx, m, "active", chatstates_ns);
        xmpp_send(impl->conn, m);
        xmpp_stanza_release(m);
    });
}

void Link::send_room_chatstate(const std::string& room, const std::string& state) {
    if (!impl_->up)
        return; // a stale "typing" is worse than none
    xmpp_stanza_t* m =
        xmpp_message_new(impl_->ctx, "groupchat", impl_->room_jid(room).c_str(), nullptr);
    add_child(impl_->ctx, m, state.c_str(), chatstates_ns);
    xmpp_send(impl_->conn, m);
    xmpp_stanza_release(m);
    impl_->pump();
}

} // namespace rtchat::xmpp
