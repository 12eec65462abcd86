#pragma once
// chat-webd: web pages for users (and, later, the CO console), in front of
// chatd. It holds no RT or XMPP credentials: everything it may do, it asks
// chatd to do for a browser session, and chatd checks the session.

#include "config/config.hpp"
#include "ipc/async_client.hpp"
#include "ipc/event_loop.hpp"
#include "proto/protocol.hpp"
#include "web/http_server.hpp"
#include "web/templates.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace rtchat::webd {

using ExchangePtr = std::shared_ptr<web::Exchange>;

/// One browser tab's event stream, for one chat. The strings live once,
/// as keys of App's per-session and per-user counts, which outlive every
/// stream they count.
struct UserStream : web::EventStream {
    const std::string* session = nullptr; ///< to follow the chat again after chatd restarts
    const std::string* user = nullptr;    ///< the chat's user, for the per-user limit
    int64_t chat = 0;
    int64_t last_id = 0; ///< the newest message id it has been sent
};

class App {
public:
    App(const config::Config& config, ipc::EventLoop& loop);

    void start();
    void stop();

    // For the routes (route_*.cpp).
    const config::Config& config() const { return config_; }
    ipc::AsyncClient& chatd() { return chatd_; }
    web::Response page(unsigned status, const std::string& name, web::TemplateData data) const;
    web::Response error_page(unsigned status, const std::string& heading,
                             const std::string& message, const std::string& hint = {}) const;
    /// The browser's session token from its cookie, if it has a well-formed one.
    std::string session_of(const web::Exchange& ex) const;
    std::string session_cookie(const std::string& token, int64_t expires_at_ms) const;
    /// The CSRF token for pages of a session: derived from the (secret,
    /// HttpOnly) session token, so a page of another origin cannot know it.
    std::string csrf_for(const std::string& session) const;
    /// True for a POST that carries the session's CSRF token and, when the
    /// browser names one, our own origin.
    bool csrf_ok(const web::Exchange& ex, const std::string& session) const;
    /// At most one "typing" hint every 2 s a session (or a CO).
    bool typing_allowed(const std::string& who);
    /// Counts a message against the session's rate; false when over it.
    bool take_send_token(const std::string& session);
    const web::Headers& page_headers() const { return page_headers_; }
    /// True unless the browser says the request comes from another site.
    bool same_origin(const web::Exchange& ex) const;
    const std::string* static_file(const std::string& name, std::string& type) const;

    /// The login the trusted proxy signed in (a CO or a user), or empty. The realm of a
    /// Kerberos principal (alice@EXAMPLE.ORG) is dropped.
    std::string co_of(const web::Exchange& ex) const;
    /// True when the request comes from one of [web] trusted_proxies.
    bool from_trusted_proxy(const web::Exchange& ex) const;
    /// The CSRF token of a CO's console pages: keyed by a secret of this
    /// process, so a restart asks open consoles to reload.
    std::string co_csrf_for(const std::string& co) const;
    bool co_csrf_ok(const web::Exchange& ex, const std::string& co) const;
    /// A console event stream: every chat's events, while the CO has it open.
    void add_console_stream(const std::string& co, const std::shared_ptr<web::EventStream>& out);

    /// Starts following `chat` for a new stream of the session's (counted
    /// already, see count_session_stream); the stream gets events with ids
    /// above its last_id. Its counts are given back when it closes.
    void add_stream(const std::shared_ptr<UserStream>& stream, const std::string& session,
                    const std::string& user, int64_t chat);
    size_t streams_of_session(const std::string& session) const;
    void count_session_stream(const std::string& session, int delta);
    size_t streams_of_user(const std::string& user) const;
    /// Tells chatd how the user's page is: online, away or gone.
    void report_presence(const std::string& session, const std::string& state);

private:
    void route(const ExchangePtr& ex);
    void on_chatd_event(const proto::json& event);
    void on_chatd_state(bool connected);
    void heartbeat();
    void remove_stream(UserStream& stream);
    void count_user_stream(const std::string& user, int delta);
    /// The streams of a chat, copied: a send may end a stream.
    std::vector<UserStream*> streams_of_chat(int64_t chat) const;
    static constexpr int64_t heartbeat_slices = 10;
    int64_t heartbeat_tick_ = 0;

    config::Config config_;
    ipc::EventLoop& loop_;
    ipc::AsyncClient chatd_;
    web::Templates templates_;
    web::HttpServer http_;
    web::Headers page_headers_;
    std::string origin_;
    bool secure_cookies_;
    std::map<std::string, std::pair<std::string, std::string>> static_files_;
    // Raw pointers: libmicrohttpd's connection owns each stream, and
    // remove_stream() drops it from here before the stream goes.
    std::unordered_multimap<int64_t, UserStream*> streams_by_chat_;
    std::unordered_map<std::string, int> streams_by_session_;
    std::unordered_map<std::string, int> streams_by_user_;
    std::vector<std::pair<std::string, std::shared_ptr<web::EventStream>>> console_streams_;
    std::string console_secret_;
    std::vector<std::string> trusted_proxies_;
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::string, Bucket> send_buckets_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_typing_;
};

// Routes, one file each.
void route_landing(App& app, const ExchangePtr& ex);
void route_guest_link(App& app, const ExchangePtr& ex, const std::string& token);
void route_chat_page(App& app, const ExchangePtr& ex);
void route_chat_send(App& app, const ExchangePtr& ex);
void route_chat_events(App& app, const ExchangePtr& ex);
void route_chat_presence(App& app, const ExchangePtr& ex);
void route_chat_typing(App& app, const ExchangePtr& ex);
/// /my/: a signed-in user's own chats (route_my.cpp).
void route_my(App& app, const ExchangePtr& ex, const std::string& user);
/// Everything under /co/: the CO console (route_co.cpp).
void route_co(App& app, const ExchangePtr& ex, const std::string& co);

/// One Server-Sent Event; `data` goes on one line (JSON escapes newlines).
std::string sse_event(std::string_view event, const proto::json& data, int64_t id = 0);

/// An HTTP status for an error chatd returned.
unsigned http_status_for(proto::ErrorCode code);

} // namespace rtchat::webd
