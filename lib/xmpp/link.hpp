#pragma once
// chatd's XMPP link: one libstrophe connection driven from chatd's own
// epoll loop (its socket is watched there; no thread). As an XEP-0114
// component every chat is an address of the component, chat-ID@domain;
// what the CO writes to it comes back through on_message. As a client (a
// plain account), every chat is a MUC room, chat-ID@muc_service, and what
// is said there comes back through on_room_message. Reconnects with
// backoff; what is sent while the link is down waits in a queue.

#include "ipc/event_loop.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace rtchat::xmpp {

struct Settings {
    bool client = false; ///< a plain account (rooms) instead of a component
    std::string host;
    int port = 5347;
    std::string domain; ///< the component's address, e.g. chat.example.org
    std::string secret;
    std::string jid;         ///< client: the account
    std::string password;    ///< client: its password
    std::string muc_service; ///< client: where the rooms are
    std::string ca_file;     ///< client: CA certificates for STARTTLS; empty: the system's
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
    /// Client: said in room@muc_service by the occupant `nick` (room history
    /// replayed at a join is left out).
    std::function<void(const std::string& room, const std::string& nick, const std::string& body)>
        on_room_message;
    std::function<void(const std::string& room, const std::string& nick, const std::string& state)>
        on_room_chatstate;
    /// Client: an occupant came or went; `jid` is their real bare JID when
    /// the room tells it (to its owner it does), else empty.
    std::function<void(const std::string& room, const std::string& nick, const std::string& jid,
                       bool available)>
        on_room_presence;
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

    // Client mode: rooms on muc_service, named by their local part.
    /// The room's address, room@muc_service.
    std::string room_address(const std::string& room) const;
    /// Enters (creating it if need be) as `nick`, without its history.
    void join_room(const std::string& room, const std::string& nick);
    void leave_room(const std::string& room, const std::string& nick, const std::string& status);
    /// Our presence in the room: show "", "away" or "xa", and a status.
    void send_room_presence(const std::string& room, const std::string& nick,
                            const std::string& show, const std::string& status);
    /// Makes a room we own members-only (XEP-0045 owner form, submitted);
    /// persistent (kept over a server restart) or not (gone once empty).
    void configure_room(const std::string& room, bool persistent);
    /// member, or none to take membership away.
    void set_affiliation(const std::string& room, const std::string& jid,
                         const std::string& affiliation);
    /// A mediated invitation to `jid`.
    void invite(const std::string& room, const std::string& jid, const std::string& reason);
    void send_room_message(const std::string& room, const std::string& body);
    void send_room_chatstate(const std::string& room, const std::string& state);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace rtchat::xmpp
