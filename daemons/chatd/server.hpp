#pragma once
// chatd's socket server: accepts clients, authorises them by their peer
// credentials, reads request lines, and fans events out to subscribers.

#include "auth/peer.hpp"
#include "config/config.hpp"
#include "ipc/acceptor.hpp"
#include "ipc/connection.hpp"
#include "ipc/event_loop.hpp"
#include "rt_access.hpp"
#include "store/store.hpp"
#include "xmpp_bridge.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace rtchat::chatd {

struct Client {
    uint64_t id = 0;
    std::unique_ptr<ipc::Connection> conn;
    ipc::EventLoop::Registration reg = 0;
    auth::PeerCredentials peer;
    std::string name; ///< login name of the peer's uid
    bool co = false;  ///< root or a member of the CO group
    bool web = false; ///< chat-webd, acting for the users of guest links
    bool watches_all = false;
    std::set<int64_t> watched_chats;
    bool closing = false;    ///< drop once the output is flushed
    bool want_write = false; ///< EPOLLOUT is armed
};

class Server {
public:
    Server(const config::Config& config, store::Store& store, ipc::EventLoop& loop);
    ~Server();

    /// Binds the socket; after this chatd can serve.
    void listen();
    /// Closes every client and removes the socket file.
    void shutdown();
    /// Replaces the configuration (SIGHUP); keys that need a restart are logged.
    void reload(const config::Config& config);

    /// Sends `line` to every client watching `chat_id` or all chats.
    void publish(int64_t chat_id, const std::string& line);
    /// A message was stored: it goes to the chat's subscribers, and over
    /// XMPP to its CO unless it came from there.
    void message_stored(const store::Message& message);
    /// The user of a chat is typing.
    void user_typing(int64_t chat_id, const std::string& user_name);
    /// Starts the XMPP link when [xmpp] asks for one.
    void start_xmpp();

    /// Sends a "chat" event about `chat`: the full chat to COs, the user's
    /// view of it to the web service.
    void publish_chat(const store::Chat& chat);
    /// Queues a line for one client, written at the next settle(); drops
    /// the client if it fell too far behind.
    void send_to(Client& client, const std::string& line);
    /// Sends a request's reply. The events it caused go out first, then the
    /// store is synced: readers see a message at once, and its writer's
    /// acknowledgement means it is on disk.
    void reply(Client& client, const std::string& line);

    /// The user's presence in a chat as the web reports it: online, away,
    /// gone, or unknown when no browser has opened it yet.
    const std::string& user_presence(int64_t chat_id) const;
    void set_user_presence(int64_t chat_id, const std::string& state);
    /// True while the chat's CO follows it (chatctl join, a console, ...).
    bool co_online(const store::Chat& chat) const;
    /// Tells subscribers when a CO's following changed the answer of
    /// co_online() for that CO's open chats.
    void co_presence_may_have_changed(const std::string& co);
    /// chat-webd says a CO has the web console open (or no longer has).
    void set_console_open(const std::string& co, bool open);

    /// The client with this id, if it is still connected.
    Client* find_client(uint64_t id);
    /// Writes queued output, re-arms EPOLLOUT for clients whose output
    /// changed, and drops the dead. Runs before the loop waits again, so a
    /// request's events and its reply leave in one write and wake their
    /// reader once; paths that must not wait for that call it themselves.
    void settle();

    const config::Config& config() const { return *config_; }
    store::Store& store() { return store_; }
    RtAccess& rt() { return rt_; }
    size_t client_count() const { return clients_.size(); }
    std::chrono::steady_clock::time_point started() const { return started_; }

private:
    /// settle() without the drops: safe while a client's lines are read.
    /// With `drop_finished`, marks closing clients whose output is all out.
    void write_queued(bool drop_finished);
    void on_connection(ipc::Fd fd);
    void on_client(uint64_t id, uint32_t events);
    void drop(uint64_t id, std::string_view reason);

    std::unique_ptr<config::Config> config_;
    store::Store& store_;
    ipc::EventLoop& loop_;
    std::unique_ptr<ipc::Acceptor> acceptor_; ///< set while listening
    std::string socket_path_;                 ///< as bound; a reload does not move it
    std::map<uint64_t, Client> clients_;
    uint64_t next_client_ = 1;
    std::set<uint64_t> to_drop_;
    std::set<uint64_t> dirty_;
    std::map<int64_t, std::string> user_presence_;
    std::map<int64_t, bool> co_online_sent_;
    std::set<std::string> console_cos_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::unique_ptr<XmppBridge> xmpp_;
    RtAccess rt_; ///< declared last, so destroyed first: its thread stops before the rest goes
};

/// Handles one request line from `client`; sends exactly one reply.
void dispatch(Server& server, Client& client, const std::string& line);
/// Answers a line that was over the size limit.
void refuse_oversized(Server& server, Client& client, size_t bytes);

} // namespace rtchat::chatd
