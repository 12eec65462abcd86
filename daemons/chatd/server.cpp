#include "server.hpp"

#include "config/schema.hpp"
#include "ipc/unix_socket.hpp"
#include "log/log.hpp"
#include "proto/chat_json.hpp"
#include "proto/protocol.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <variant>

namespace rtchat::chatd {

Server::Server(const config::Config& config, store::Store& store, ipc::EventLoop& loop)
    : config_(std::make_unique<config::Config>(config))
    , store_(store)
    , loop_(loop)
    , rt_(loop) {
    rt_.configure(config);
}

Server::~Server() {
    shutdown();
}

void Server::listen() {
    socket_path_ = config_->get("chatd", "socket");
    const std::string& path = socket_path_;
    // Without socket_group the socket belongs to the CO group, so that COs
    // can open it; a missing CO group leaves it to chatd's own group.
    const std::string& socket_group = config_->get("chatd", "socket_group");
    std::optional<gid_t> group =
        auth::group_id(socket_group.empty() ? config_->get("chatd", "co_group") : socket_group);
    if (!socket_group.empty() && !group)
        throw std::runtime_error(fmt::format("socket group '{}' does not exist", socket_group));
    acceptor_ = std::make_unique<ipc::Acceptor>(
        loop_, ipc::listen_unix(path, config_->get_mode("chatd", "socket_mode"), group),
        [this](ipc::Fd fd, const ipc::Acceptor::Peer&) { on_connection(std::move(fd)); });
    // Before the loop sleeps: whatever a callback queued (a timer, XMPP) is
    // written, what it committed synced, and the WAL checkpointed while
    // nobody waits for it.
    loop_.add_prepare([this] {
        settle();
        store_.sync();
        store_.checkpoint_if_due();
        return -1;
    });
    log::info("listening", {{"socket", path}});
}

void Server::shutdown() {
    if (!acceptor_)
        return;
    acceptor_.reset();
    unlink(socket_path_.c_str());
    // What the loop's last turn committed (the sync before it slept did
    // not run) goes to disk before chatd ends.
    try {
        store_.sync();
    } catch (const std::exception& e) {
        log::error("store_sync_failed", {{"error", e.what()}});
    }
    for (auto& [id, client] : clients_) {
        client.conn->flush();
        loop_.remove(client.reg);
    }
    clients_.clear();
}

void Server::reload(const config::Config& config) {
    for (const config::KeySpec& spec : config::schema())
        if ((spec.section == "store" || spec.section == "chatd") && spec.needs_restart &&
            config.get(spec.section, spec.key) != config_->get(spec.section, spec.key))
            log::warning("config_needs_restart", {{"section", spec.section}, {"key", spec.key}});
    config_ = std::make_unique<config::Config>(config);
    rt_.configure(*config_);
    log::info("config_reloaded", {{"source", config_->source()}});
}

void Server::on_connection(ipc::Fd fd) {
    const int raw_fd = fd.get();
    Client client;
    client.id = next_client_++;
    client.conn = std::make_unique<ipc::Connection>(
        std::move(fd), static_cast<size_t>(config_->get_int("chatd", "max_request_bytes")),
        static_cast<size_t>(config_->get_int("chatd", "max_output_bytes")));
    try {
        client.peer = auth::peer_credentials(raw_fd);
    } catch (const std::exception& e) {
        log::error("peer_credentials_failed", {{"error", e.what()}});
        return;
    }
    client.name = auth::user_name(client.peer.uid);
    // The web service's account is never a CO, even when it shares the
    // socket's group with them.
    client.web = auth::is_user(client.peer, config_->get("chatd", "web_user"));
    client.co = !client.web && auth::is_co(client.peer, config_->get("chatd", "co_group"));
    if (clients_.size() >= static_cast<size_t>(config_->get_int("chatd", "max_clients"))) {
        log::warning("client_refused", {{"reason", "max_clients"}, {"uid", client.peer.uid}});
        client.conn->send(
            proto::reply_error(nullptr, proto::ErrorCode::unavailable,
                               "chatd has too many clients connected; try again shortly"));
        return;
    }
    const uint64_t id = client.id;
    client.reg = loop_.add(raw_fd, EPOLLIN | EPOLLRDHUP,
                           [this, id](uint32_t events) { on_client(id, events); });
    log::debug("client_connected", {{"client", id},
                                    {"uid", client.peer.uid},
                                    {"pid", client.peer.pid},
                                    {"co", client.co ? "yes" : "no"}});
    clients_.emplace(id, std::move(client));
}

void Server::on_client(uint64_t id, uint32_t events) {
    auto it = clients_.find(id);
    if (it == clients_.end())
        return;
    Client& client = it->second;
    if (events & EPOLLOUT) {
        if (!client.conn->flush())
            to_drop_.insert(id);
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && !client.closing) {
        const bool open = client.conn->read_available() == ipc::Connection::ReadStatus::open;
        for (;;) {
            auto next = client.conn->lines().next();
            if (auto* line = std::get_if<std::string>(&next)) {
                if (!line->empty())
                    dispatch(*this, client, *line);
            } else if (auto* big = std::get_if<proto::OversizedLine>(&next)) {
                refuse_oversized(*this, client, big->bytes_seen);
            } else {
                break;
            }
            if (client.closing)
                break;
        }
        if (!open)
            to_drop_.insert(id);
    }
    if (client.closing && !client.conn->has_pending_output())
        to_drop_.insert(id);

    dirty_.insert(id);
    settle();
}

Client* Server::find_client(uint64_t id) {
    auto it = clients_.find(id);
    return it == clients_.end() || to_drop_.contains(id) ? nullptr : &it->second;
}

void Server::settle() {
    // Dropping a client can publish (presence), which queues for others.
    while (!dirty_.empty() || !to_drop_.empty()) {
        write_queued(true);
        while (!to_drop_.empty()) {
            uint64_t victim = *to_drop_.begin();
            to_drop_.erase(to_drop_.begin());
            drop(victim, "disconnected");
        }
    }
}

void Server::write_queued(bool drop_finished) {
    for (uint64_t id : std::exchange(dirty_, {})) {
        auto it = clients_.find(id);
        if (it == clients_.end() || to_drop_.contains(id))
            continue;
        Client& c = it->second;
        if (!c.conn->flush()) {
            log::debug("client_gone", {{"client", c.id}});
            to_drop_.insert(id);
            continue;
        }
        const bool want_write = c.conn->has_pending_output();
        if (drop_finished && c.closing && !want_write) {
            to_drop_.insert(id);
            continue;
        }
        if (want_write != c.want_write) {
            c.want_write = want_write;
            loop_.modify(c.reg, EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u));
        }
    }
}

void Server::reply(Client& client, const std::string& line) {
    write_queued(false);
    store_.sync();
    send_to(client, line);
}

void Server::drop(uint64_t id, std::string_view reason) {
    auto it = clients_.find(id);
    if (it == clients_.end())
        return;
    loop_.remove(it->second.reg);
    log::debug("client_dropped", {{"client", id}, {"reason", reason}});
    const bool was_following_co =
        it->second.co && (it->second.watches_all || !it->second.watched_chats.empty());
    const bool was_web = it->second.web;
    const std::string name = it->second.name;
    clients_.erase(it);
    if (was_following_co && acceptor_)
        co_presence_may_have_changed(name);
    // chat-webd gone: nobody has a console open, and no user a page.
    if (was_web && acceptor_) {
        for (const std::string& co : std::set<std::string>(console_cos_))
            set_console_open(co, false);
        for (const auto& [chat, state] : std::map(user_presence_))
            if (state != "gone")
                set_user_presence(chat, "gone");
    }
    if (acceptor_)
        acceptor_->connection_ended();
}

void Server::send_to(Client& client, const std::string& line) {
    if (!client.conn->queue(line)) {
        // A peer that left is routine; one that stopped reading is worth a warning.
        if (client.conn->broken())
            log::debug("client_gone", {{"client", client.id}});
        else
            log::warning("client_too_slow", {{"client", client.id}, {"uid", client.peer.uid}});
        to_drop_.insert(client.id);
    }
    dirty_.insert(client.id);
}

void Server::publish_chat(const store::Chat& chat) {
    const std::string full = proto::event_line("chat", {{"chat", proto::to_json(chat)}});
    const std::string for_user = proto::event_line("chat", {{"chat", proto::to_user_json(chat)}});
    for (auto& [id, client] : clients_)
        if (client.watches_all || client.watched_chats.contains(chat.id))
            send_to(client, client.co ? full : for_user);
    if (xmpp_)
        xmpp_->chat_changed(chat);
}

const std::string& Server::user_presence(int64_t chat_id) const {
    static const std::string unknown = "unknown";
    auto it = user_presence_.find(chat_id);
    return it == user_presence_.end() ? unknown : it->second;
}

void Server::start_xmpp() {
    xmpp_ = XmppBridge::create(*this, loop_, *config_);
    if (xmpp_)
        xmpp_->start();
}

void Server::message_stored(const store::Message& m) {
    publish(m.chat_id,
            proto::event_line("message", {{"chat", m.chat_id}, {"message", proto::to_json(m)}}));
    if (xmpp_)
        if (auto chat = store_.find_chat(m.chat_id))
            xmpp_->message_stored(*chat, m);
}

void Server::user_typing(int64_t chat_id, const std::string& user_name) {
    publish(chat_id,
            proto::event_line("typing", {{"chat", chat_id}, {"who", "user"}, {"name", user_name}}));
    if (xmpp_)
        if (auto chat = store_.find_chat(chat_id))
            xmpp_->user_typing(*chat);
}

void Server::set_user_presence(int64_t chat_id, const std::string& state) {
    std::string& current = user_presence_[chat_id];
    if (current == state)
        return;
    current = state;
    if (xmpp_)
        if (auto chat = store_.find_chat(chat_id))
            xmpp_->user_presence(*chat, state);
    log::info("presence", {{"chat", chat_id}, {"who", "user"}, {"state", state}});
    publish(chat_id,
            proto::event_line("presence", {{"chat", chat_id}, {"who", "user"}, {"state", state}}));
}

void Server::set_console_open(const std::string& co, bool open) {
    if (open ? console_cos_.insert(co).second : console_cos_.erase(co) > 0)
        co_presence_may_have_changed(co);
}

bool Server::co_online(const store::Chat& chat) const {
    if (console_cos_.contains(chat.co) || (xmpp_ && xmpp_->co_online(chat.co)))
        return true;
    for (const auto& [id, client] : clients_)
        if (client.co && client.name == chat.co &&
            (client.watches_all || client.watched_chats.contains(chat.id)))
            return true;
    return false;
}

void Server::co_presence_may_have_changed(const std::string& co) {
    for (const store::Chat& chat : store_.list_chats(false)) {
        if (chat.co != co)
            continue;
        const bool online = co_online(chat);
        auto [it, fresh] = co_online_sent_.try_emplace(chat.id, !online);
        if (it->second == online)
            continue;
        it->second = online;
        publish(chat.id, proto::event_line("presence", {{"chat", chat.id},
                                                        {"who", "co"},
                                                        {"name", co},
                                                        {"state", online ? "online" : "gone"}}));
    }
}

void Server::publish(int64_t chat_id, const std::string& line) {
    for (auto& [id, client] : clients_)
        if (client.watches_all || client.watched_chats.contains(chat_id))
            send_to(client, line);
}

} // namespace rtchat::chatd
