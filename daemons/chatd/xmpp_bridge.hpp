#pragma once
// chatd's side of XMPP: which CO is which JID, and what travels between a
// chat and its CO's XMPP client — messages both ways, the user's presence
// and typing to the CO, the CO's typing and XMPP presence to the chat —
// plus the commands a CO sends to the service address.

#include "config/config.hpp"
#include "ipc/event_loop.hpp"
#include "store/store.hpp"
#include "xmpp/link.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace rtchat::chatd {

class Server;

class XmppBridge {
public:
    /// Null when [xmpp] mode is off. Throws config::ConfigError for a
    /// configuration it cannot use.
    static std::unique_ptr<XmppBridge> create(Server& server, ipc::EventLoop& loop,
                                              const config::Config& config);

    XmppBridge(Server& server, ipc::EventLoop& loop, xmpp::Settings settings,
               std::map<std::string, std::string> co_jids);
    void start();

    /// A message was stored: it goes to the chat's CO — the user's as they
    /// wrote it, anyone else's (the console, chatctl say, another CO) after
    /// its author's name — unless the CO wrote it from XMPP.
    void message_stored(const store::Chat& chat, const store::Message& message);
    /// A chat was published: once it has ended, its CO is told.
    void chat_changed(const store::Chat& chat);
    /// The user's presence as the web sees it.
    void user_presence(const store::Chat& chat, const std::string& state);
    void user_typing(const store::Chat& chat);

    /// True while one of the CO's XMPP clients is available to the service
    /// or one of its chats.
    bool co_online(const std::string& co) const { return presences_.contains(co); }

    /// "chat-42" for chat 42; 0 for anything else.
    static int64_t chat_of(const std::string& local);
    /// The local part of chat `id`'s address: "chat-42".
    static std::string chat_local(int64_t id);

    /// What `start` was told: a ticket, a user, or both.
    struct StartArgs {
        int64_t ticket = 0;
        std::string user;
        std::string email;
        std::string rt_system;
    };

private:
    void on_message(const std::string& from, const std::string& local, const std::string& body);
    void on_chatstate(const std::string& from, const std::string& local, const std::string& state);
    void on_presence(const std::string& from, const std::string& local, const std::string& type);
    void on_room_message(const std::string& room, const std::string& nick, const std::string& body);
    /// Stores what a CO wrote over XMPP and passes it on; throws with the
    /// reason when it is refused (too long, invalid, the chat over).
    store::Message store_co_message(int64_t chat_id, const std::string& co,
                                    const std::string& body);
    std::string occupant_jid(const std::string& room, const std::string& nick) const;
    /// Client mode: into the chat's room (created members-only), its CO a
    /// member, and invited when `invite`.
    void enter_room(const store::Chat& chat, bool invite);
    void set_co_presence(const std::string& co, const std::string& from, const std::string& local,
                         bool available);
    void forget_co_presence();
    // The service address's commands (xmpp_commands.cpp).
    void command(const std::string& co, const std::string& from, const std::string& text);
    std::string help() const;
    void start(const std::string& co, const std::string& from, const StartArgs& args);
    void take(const std::string& co, const std::string& from, int64_t id);
    std::optional<std::string> co_of(const std::string& jid) const;
    std::optional<std::string> jid_of(const std::string& co) const;

    Server& server_;
    std::map<std::string, std::string> jid_by_co_;
    /// Per CO, the (full JID, local address) pairs they are available to.
    std::map<std::string, std::set<std::pair<std::string, std::string>>> presences_;
    int64_t closed_from_xmpp_ = 0;             ///< the chat a "close" command is closing
    int64_t stored_from_xmpp_ = 0;             ///< the message the CO just wrote over XMPP
    std::set<int64_t> told_ended_;             ///< chats whose CO heard they ended
    bool client_ = false;                      ///< rooms on a plain account, not a component
    std::map<int64_t, std::string> room_nick_; ///< client: chats whose room we are in, our nick
    /// client: (room, nick) -> the occupant's real bare JID
    std::map<std::pair<std::string, std::string>, std::string> occupants_;
    std::unique_ptr<xmpp::Link> link_;
};

} // namespace rtchat::chatd
