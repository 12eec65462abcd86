#include "xmpp_bridge.hpp"

#include "guest_link.hpp"
#include "log/log.hpp"
#include "proto/chat_json.hpp"
#include "server.hpp"
#include "validate.hpp"

#include <charconv>
#include <fmt/format.h>
#include <fstream>

namespace rtchat::chatd {
namespace {

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string first_line_of(const std::string& path, const char* key) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line) || line.empty())
        throw config::ConfigError(
            fmt::format("[xmpp] {}: cannot read a secret from '{}'", key, path));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    return line;
}

} // namespace

std::unique_ptr<XmppBridge> XmppBridge::create(Server& server, ipc::EventLoop& loop,
                                               const config::Config& config) {
    const std::string& mode = config.get("xmpp", "mode");
    if (mode == "off")
        return nullptr;
    xmpp::Settings s;
    s.client = mode == "client";
    s.host = config.get("xmpp", "host");
    s.port = static_cast<int>(config.get_int("xmpp", "port"));
    if (s.client) {
        s.jid = config.get("xmpp", "jid");
        s.muc_service = lower(config.get("xmpp", "muc_service"));
        if (s.jid.find('@') == std::string::npos)
            throw config::ConfigError("[xmpp] jid: must be an account (name@domain) for "
                                      "mode = client");
        if (s.muc_service.empty())
            throw config::ConfigError("[xmpp] muc_service: must be set for mode = client");
        s.password = first_line_of(config.get("xmpp", "password_file"), "password_file");
        s.ca_file = config.get("xmpp", "ca_file");
    } else {
        s.domain = config.get("xmpp", "domain");
        if (s.domain.empty())
            throw config::ConfigError("[xmpp] domain: must be set for mode = component");
        s.secret = first_line_of(config.get("xmpp", "secret_file"), "secret_file");
    }
    s.max_stanza_bytes = static_cast<size_t>(config.get_int("chatd", "max_message_bytes"));
    std::map<std::string, std::string> cos;
    for (const std::string& entry : config::split_list(config.get("xmpp", "co_jids"))) {
        const size_t eq = entry.find('=');
        const std::string jid = lower(eq == std::string::npos ? entry : entry.substr(eq + 1));
        const std::string name =
            eq == std::string::npos ? jid.substr(0, jid.find('@')) : entry.substr(0, eq);
        cos[name] = jid;
    }
    return std::make_unique<XmppBridge>(server, loop, std::move(s), std::move(cos));
}

XmppBridge::XmppBridge(Server& server, ipc::EventLoop& loop, xmpp::Settings settings,
                       std::map<std::string, std::string> co_jids)
    : server_(server)
    , jid_by_co_(std::move(co_jids))
    , client_(settings.client) {
    // What XMPP input queues for chatd's own clients is flushed right away,
    // as after a request from the socket (Server::settle).
    struct Settle {
        Server& server;
        ~Settle() { server.settle(); }
    };
    xmpp::Callbacks cb;
    cb.on_message = [this](const std::string& from, const std::string& local,
                           const std::string& body) {
        Settle settle{server_};
        on_message(from, local, body);
    };
    cb.on_chatstate = [this](const std::string& from, const std::string& local,
                             const std::string& state) {
        Settle settle{server_};
        on_chatstate(from, local, state);
    };
    cb.on_presence = [this](const std::string& from, const std::string& local,
                            const std::string& type) {
        Settle settle{server_};
        on_presence(from, local, type);
    };
    cb.on_room_message = [this](const std::string& room, const std::string& nick,
                                const std::string& body) {
        Settle settle{server_};
        on_room_message(room, nick, body);
    };
    cb.on_room_chatstate = [this](const std::string& room, const std::string& nick,
                                  const std::string& state) {
        Settle settle{server_};
        if (auto co = co_of(occupant_jid(room, nick)))
            on_chatstate(*jid_of(*co), room, state);
    };
    cb.on_room_presence = [this](const std::string& room, const std::string& nick,
                                 const std::string& jid, bool available) {
        if (available)
            occupants_[{room, nick}] = jid;
        else
            occupants_.erase({room, nick});
    };
    cb.on_connected = [this] {
        if (client_) {
            // A plain account: the server keeps the subscriptions and
            // probes the COs itself after our initial presence; ask for
            // the ones not granted yet, and go back into every chat's room.
            for (const auto& [co, jid] : jid_by_co_)
                link_->send_presence_type("", jid, "subscribe");
            for (const store::Chat& chat : server_.store().list_chats(false)) {
                enter_room(chat, !room_nick_.contains(chat.id));
                user_presence(chat, server_.user_presence(chat.id));
            }
            return;
        }
        // The service asks each CO to share their presence. While that is
        // pending, Prosody tells the CO's clients at each login; once granted,
        // it answers this same request with the CO's current presence. No
        // probe: Prosody answers a probe from an unsubscribed contact with
        // "unsubscribed" on the CO's behalf, and that cancels the pending
        // request, so the CO never sees it.
        for (const auto& [co, jid] : jid_by_co_) {
            link_->send_presence_type("", jid, "subscribe");
            link_->send_presence("", jid, true, "", "rtchat");
        }
        // Chats that were going on when the link went down.
        for (const store::Chat& chat : server_.store().list_chats(false))
            user_presence(chat, server_.user_presence(chat.id));
    };
    cb.on_disconnected = [this] {
        Settle settle{server_};
        forget_co_presence();
        occupants_.clear();
    };
    link_ = std::make_unique<xmpp::Link>(loop, std::move(settings), std::move(cb));
}

void XmppBridge::start() {
    link_->start();
}

std::string XmppBridge::chat_local(int64_t id) {
    return fmt::format("chat-{}", id);
}

int64_t XmppBridge::chat_of(const std::string& local) {
    constexpr std::string_view prefix = "chat-";
    if (!local.starts_with(prefix))
        return 0;
    int64_t id = 0;
    const char* begin = local.data() + prefix.size();
    auto [end, ec] = std::from_chars(begin, local.data() + local.size(), id);
    return ec == std::errc{} && end == local.data() + local.size() && id > 0 ? id : 0;
}

std::optional<std::string> XmppBridge::co_of(const std::string& jid) const {
    const std::string j = lower(jid.substr(0, jid.find('/')));
    for (const auto& [co, mapped] : jid_by_co_)
        if (mapped == j)
            return co;
    return std::nullopt;
}

std::optional<std::string> XmppBridge::jid_of(const std::string& co) const {
    auto it = jid_by_co_.find(co);
    if (it == jid_by_co_.end())
        return std::nullopt;
    return it->second;
}

void XmppBridge::message_stored(const store::Chat& chat, const store::Message& message) {
    if (message.id == stored_from_xmpp_ && message.author == chat.co)
        return; // the CO's own, from their client: no echo
    const std::string text = message.role == store::Role::user
                                 ? message.body
                                 : fmt::format("[{}] {}", message.author, message.body);
    if (client_) {
        if (room_nick_.contains(chat.id))
            link_->send_room_message(chat_local(chat.id), text);
        return;
    }
    auto jid = jid_of(chat.co);
    if (!jid)
        return;
    if (message.role == store::Role::user)
        link_->send_message(chat_local(chat.id), *jid, message.body);
    else
        link_->send_message(chat_local(chat.id), *jid,
                            fmt::format("[{}] {}", message.author, message.body));
}

void XmppBridge::chat_changed(const store::Chat& chat) {
    if (client_ && store::is_open(chat.state) && !room_nick_.contains(chat.id))
        return enter_room(chat, true); // a new chat: its room, and its CO invited
    if (store::is_open(chat.state) || !told_ended_.insert(chat.id).second)
        return;
    if (client_) {
        auto it = room_nick_.find(chat.id);
        if (it == room_nick_.end())
            return;
        if (chat.id != closed_from_xmpp_ || chat.closed_by != chat.co)
            link_->send_room_message(
                chat_local(chat.id),
                fmt::format("This chat has ended: {}.{}",
                            chat.closed_by.empty() ? chat.end_reason
                                                   : "closed by " + chat.closed_by,
                            chat.summary.empty() ? "" : " Summary: " + chat.summary));
        link_->configure_room(chat_local(chat.id), false);
        link_->leave_room(chat_local(chat.id), it->second, "the chat has ended");
        room_nick_.erase(it);
        return;
    }
    auto jid = jid_of(chat.co);
    if (!jid)
        return;
    // The CO who closed it from the service address has its answer there.
    if (chat.id != closed_from_xmpp_ || chat.closed_by != chat.co)
        link_->send_message(
            chat_local(chat.id), *jid,
            fmt::format("This chat has ended: {}.{}",
                        chat.closed_by.empty() ? chat.end_reason : "closed by " + chat.closed_by,
                        chat.summary.empty() ? "" : " Summary: " + chat.summary));
    link_->send_presence(chat_local(chat.id), *jid, false, "", "the chat has ended");
}

void XmppBridge::user_presence(const store::Chat& chat, const std::string& state) {
    if (client_) {
        // In the room we stand for the user: our presence there is theirs.
        if (auto it = room_nick_.find(chat.id); it != room_nick_.end())
            link_->send_room_presence(chat_local(chat.id), it->second,
                                      state == "online" ? ""
                                      : state == "away" ? "away"
                                                        : "xa",
                                      chat.user_name + " is " + state);
        return;
    }
    if (auto jid = jid_of(chat.co))
        link_->send_presence(chat_local(chat.id), *jid, state == "online" || state == "away",
                             state == "away" ? "away" : "", chat.user_name + " is " + state);
}

void XmppBridge::user_typing(const store::Chat& chat) {
    if (client_) {
        if (room_nick_.contains(chat.id))
            link_->send_room_chatstate(chat_local(chat.id), "composing");
        return;
    }
    if (auto jid = jid_of(chat.co))
        link_->send_chatstate(chat_local(chat.id), *jid, "composing");
}

std::string XmppBridge::occupant_jid(const std::string& room, const std::string& nick) const {
    auto it = occupants_.find({room, nick});
    return it == occupants_.end() ? std::string() : it->second;
}

void XmppBridge::enter_room(const store::Chat& chat, bool invite) {
    const std::string room = chat_local(chat.id);
    // We speak for the user there, under their name.
    const std::string nick = chat.user_name.empty() ? "user" : chat.user_name;
    room_nick_[chat.id] = nick;
    link_->join_room(room, nick);
    link_->configure_room(room, true);
    if (auto jid = jid_of(chat.co)) {
        link_->set_affiliation(room, *jid, "member");
        if (invite)
            link_->invite(room, *jid, fmt::format("Chat {} with {}", chat.id, chat.user_name));
    }
    log::info("xmpp_room",
              {{"chat", chat.id}, {"co", chat.co}, {"invited", invite ? "yes" : "no"}});
}

void XmppBridge::on_room_message(const std::string& room, const std::string& nick,
                                 const std::string& body) {
    const int64_t chat_id = chat_of(room);
    auto ours = room_nick_.find(chat_id);
    if (!chat_id || ours == room_nick_.end() || ours->second == nick)
        return; // not a chat's room, or our own message coming back
    const std::string jid = occupant_jid(room, nick);
    const auto co = co_of(jid);
    if (!co) {
        log::info("xmpp_refused", {{"reason", "not a CO"}, {"chat", chat_id}});
        return;
    }
    try {
        store_co_message(chat_id, *co, body);
    } catch (const std::exception& e) {
        log::info("xmpp_message_refused", {{"chat", chat_id}, {"co", *co}, {"reason", e.what()}});
        link_->send_message("", jid, fmt::format("Not sent to chat {}: {}", chat_id, e.what()));
    }
}

store::Message XmppBridge::store_co_message(int64_t chat_id, const std::string& co,
                                            const std::string& body) {
    const std::string text = checked_text(
        body, static_cast<size_t>(server_.config().get_int("chatd", "max_message_bytes")),
        "message", false);
    const store::Message m = server_.store().add_message(chat_id, co, store::Role::co, text);
    // Told to everyone but the CO who wrote it (message_stored's echo guard).
    stored_from_xmpp_ = m.id;
    server_.message_stored(m);
    stored_from_xmpp_ = 0;
    return m;
}

void XmppBridge::on_message(const std::string& from, const std::string& local,
                            const std::string& body) {
    const auto co = co_of(from);
    if (!co) {
        log::info("xmpp_refused", {{"reason", "not a CO"}});
        link_->send_error(local, from, "not-authorized",
                          "this service is for the IT support team only");
        return;
    }
    if (local.empty())
        return command(*co, from, body);
    const int64_t chat_id = chat_of(local);
    std::optional<store::Chat> chat = chat_id ? server_.store().find_chat(chat_id) : std::nullopt;
    if (!chat) {
        link_->send_message(local, from,
                            "There is no such chat. Send \"list\" to " +
                                std::string("the service for the open ones."));
        return;
    }
    try {
        const store::Message m = store_co_message(chat_id, *co, body);
        log::debug("xmpp_message_stored", {{"chat", chat_id}, {"message", m.id}});
    } catch (const std::exception& e) {
        // Not stored: the CO must know the user did not get it.
        log::info("xmpp_message_refused", {{"chat", chat_id}, {"co", *co}, {"reason", e.what()}});
        link_->send_message(local, from, fmt::format("Not sent: {}", e.what()));
    }
}

void XmppBridge::on_chatstate(const std::string& from, const std::string& local,
                              const std::string& state) {
    const auto co = co_of(from);
    const int64_t chat_id = chat_of(local);
    if (!co || !chat_id || state != "composing")
        return;
    server_.publish(chat_id,
                    proto::event_line("typing", {{"chat", chat_id}, {"who", "co"}, {"name", *co}}));
}

void XmppBridge::on_presence(const std::string& from, const std::string& local,
                             const std::string& type) {
    const auto co = co_of(from);
    const std::string bare_from = from.substr(0, from.find('/'));
    if (type == "subscribe") {
        link_->send_presence_type(local, bare_from, co ? "subscribed" : "unsubscribed");
        if (co)
            link_->send_presence(local, bare_from, true, "", "rtchat");
        return;
    }
    if (!co)
        return;
    if (type == "probe") {
        if (local.empty())
            link_->send_presence("", from, true, "", "rtchat");
        else if (auto chat = server_.store().find_chat(chat_of(local)))
            user_presence(*chat, server_.user_presence(chat->id));
        return;
    }
    if (type == "subscribed" || type == "unsubscribed") {
        // The CO granted or refused (or withdrew) the service's request to
        // see their presence; refused, we hear no more of it.
        log::info("xmpp_subscription",
                  {{"co", *co}, {"state", type == "subscribed" ? "granted" : "refused"}});
        if (type == "unsubscribed")
            set_co_presence(*co, bare_from, local, false);
        return;
    }
    if (type == "available" || type == "unavailable")
        set_co_presence(*co, from, local, type == "available");
}

void XmppBridge::set_co_presence(const std::string& co, const std::string& from,
                                 const std::string& local, bool available) {
    const bool was = presences_.contains(co);
    if (available) {
        presences_[co].emplace(from, local);
    } else if (auto it = presences_.find(co); it != presences_.end()) {
        // From a bare JID: every client of the CO is gone.
        std::erase_if(it->second, [&](const auto& p) {
            return from.find('/') == std::string::npos || p == std::make_pair(from, local);
        });
        if (it->second.empty())
            presences_.erase(it);
    }
    const bool is = presences_.contains(co);
    if (was != is) {
        log::info("presence",
                  {{"who", "co"}, {"co", co}, {"via", "xmpp"}, {"state", is ? "online" : "gone"}});
        server_.co_presence_may_have_changed(co);
    }
}

void XmppBridge::forget_co_presence() {
    auto gone = std::move(presences_);
    presences_.clear();
    for (const auto& [co, resources] : gone) {
        log::info("presence", {{"who", "co"}, {"co", co}, {"via", "xmpp"}, {"state", "unknown"}});
        server_.co_presence_may_have_changed(co);
    }
}

} // namespace rtchat::chatd
