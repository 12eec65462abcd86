#pragma once
// chatd's XMPP link (XEP-0114 component): one libstrophe connection driven
// from chatd's own epoll loop (its socket is watched there; no thread).
// Every chat is an address of the component, chat-ID@domain; what the CO
// writes to it comes back through on_message. Reconnects with backoff;
// messages written while the link is down wait in a queue.

#include "ipc/event_loop.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace rtchat::xmpp {

struct Settings {
    std::string host;
    int port = 5347;
    std::string domain; ///< the component's address, e.g. chat.example.org
    std::string secret;
    size_t max_stanza_bytes = 65536;
};

struct Callbacks {
    /// A message with a body from a full JID to local@domain (local may be
    /// empty: the service).
    std::function<void(const std::string& from, const std::string& local, const std::string& body)>
        on_message;
    /// A chat state (XEP-0085) to local@domain: composing, paused, active, ...
    std::function<void(const std::string& from, const std::string& local, const std::string& state)>
        on_chatstate;
    /// A presence stanza from a JID (full, as sent) to local@domain: its type
    /// is available, unavailable, subscribe, subscribed, unsubscribe,
    /// unsubscribed or probe.
    std::function<void(const std::string& from, const std::string& local, const std::string& type)>
        on_presence;
    /// The link came up (after a start or a reconnect).
    std::function<void()> on_connected;
    /// The link went down: what was known of others' presence is stale.
    std::function<void()> on_disconnected;
};

class Link {
public:
    Link(ipc::EventLoop& loop, Settings settings, Callbacks callbacks);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    void start();
    bool connected() const;
    /// local@domain, or the domain itself for an empty local.
    std::string address_of(const std::string& local) const;

    /// Sends (or queues while disconnected) a chat message from local@domain.
    void send_message(const std::string& from_local, const std::string& to,
                      const std::string& body);
    void send_chatstate(const std::string& from_local, const std::string& to,
                        const std::string& state);
    /// Presence of local@domain toward `to`: show is "", "away" or "xa";
    /// unavailable when !available.
    void send_presence(const std::string& from_local, const std::string& to, bool available,
                       const std::string& show, const std::string& status);
    /// A presence of another type (subscribe, subscribed, unsubscribed,
    /// probe) from local@domain to `to`.
    void send_presence_type(const std::string& from_local, const std::string& to,
                            const std::string& type);
    /// An error reply (type cancel) to a stanza from `to`.
    void send_error(const std::string& from_local, const std::string& to,
                    const std::string& condition, const std::string& text);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace rtchat::xmpp
