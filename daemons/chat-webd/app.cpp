#include "app.hpp"

#include "auth/token.hpp"
#include "log/log.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

namespace rtchat::webd {
namespace {

constexpr const char* session_cookie_name = "rtchat_session";

// No inline script or style anywhere: the pages work under this policy.
constexpr const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

web::ServerOptions server_options(const config::Config& cfg) {
    web::ServerOptions o;
    o.listen = cfg.get("web", "listen");
    o.connection_memory = static_cast<size_t>(cfg.get_int("web", "connection_memory"));
    o.default_headers = {{"Content-Security-Policy", content_security_policy},
                         {"X-Content-Type-Options", "nosniff"},
                         {"X-Frame-Options", "DENY"},
                         {"Referrer-Policy", "same-origin"}};
    return o;
}

std::string origin_of(const std::string& url) {
    const size_t scheme = url.find("://");
    const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(fmt::format("cannot read {}", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool is_open_state(const proto::json& chat) {
    const std::string state = chat.value("state", "");
    return state == "invited" || state == "active";
}

} // namespace

std::string sse_event(std::string_view event, const proto::json& data, int64_t id) {
    std::string out = id > 0 ? fmt::format("id: {}\n", id) : std::string();
    out += fmt::format("event: {}\ndata: {}\n\n", event,
                       data.dump(-1, ' ', false, proto::json::error_handler_t::replace));
    return out;
}

unsigned http_status_for(proto::ErrorCode code) {
    switch (code) {
    case proto::ErrorCode::bad_request:
        return 400;
    case proto::ErrorCode::too_large:
        return 413;
    case proto::ErrorCode::not_authorised:
        return 403;
    case proto::ErrorCode::not_found:
        return 404;
    case proto::ErrorCode::invalid_state:
        return 410;
    case proto::ErrorCode::unavailable:
        return 503;
    case proto::ErrorCode::internal:
        return 500;
    }
    return 500;
}

App::App(const config::Config& config, ipc::EventLoop& loop)
    : config_(config)
    , loop_(loop)
    , chatd_(
          loop, config.get("chatd", "socket"), [this](const proto::json& e) { on_chatd_event(e); },
          [this](bool up) { on_chatd_state(up); })
    , templates_(std::filesystem::path(config.get("web", "share_dir")) / "templates")
    , http_(loop, server_options(config), [this](const ExchangePtr& ex) { route(ex); })
    , origin_(origin_of(config.get("web", "base_url")))
    , secure_cookies_(config.get("web", "base_url").starts_with("https://")) {
    page_headers_ = {{"Cache-Control", "no-store"}};
    console_secret_ = auth::mint_token().token;
    trusted_proxies_ = config::split_list(config.get("web", "trusted_proxies"));
    const std::filesystem::path static_dir =
        std::filesystem::path(config.get("web", "share_dir")) / "static";
    for (auto [name, type] : {std::pair{"rtchat.css", "text/css; charset=utf-8"},
                              std::pair{"chat.js", "text/javascript; charset=utf-8"},
                              std::pair{"co.js", "text/javascript; charset=utf-8"},
                              std::pair{"conversation.js", "text/javascript; charset=utf-8"}})
        static_files_[name] = {read_file(static_dir / name), type};
}

void App::start() {
    chatd_.start();
    http_.start();
    // Keep-alives go out in ten slices over each period, not to every
    // stream at once: at 10,000 streams one burst holds the loop for
    // ~100 ms (recipe pitfall 4).
    const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(
        config_.get_duration("web", "heartbeat"));
    loop_.every(std::max(period / heartbeat_slices, std::chrono::milliseconds(50)),
                [this] { heartbeat(); });
    log::info("listening", {{"listen", config_.get("web", "listen")},
                            {"base_url", config_.get("web", "base_url")}});
}

void App::stop() {
    http_.stop();
}

void App::route(const ExchangePtr& ex) {
    const std::string& path = ex->path();
    const std::string& method = ex->method();
    const bool get = method == "GET" || method == "HEAD";
    // Only the site's proxy may say who is signed in: the same header from
    // anywhere else is an attempt to impersonate someone.
    if (!ex->header(config_.get("web", "user_header").c_str()).empty() &&
        !from_trusted_proxy(*ex)) {
        log::warning("user_header_refused", {{"peer", ex->peer_address()}});
        return ex->respond(error_page(403, "Refused",
                                      "This request names a user but does not come through the "
                                      "site's sign-in."));
    }
    if ((path == "/my" || path.starts_with("/my/")) && get) {
        const std::string user = co_of(*ex);
        if (user.empty())
            return ex->respond(
                error_page(401, "Sign in first",
                           "Your chats are listed here once you are signed in "
                           "through the site's login.",
                           "If IT support sent you a link, open that link instead."));
        return route_my(*this, ex, user);
    }
    if (path == "/co" || path.starts_with("/co/")) {
        const std::string co = co_of(*ex);
        if (co.empty())
            return ex->respond(error_page(401, "Sign in first",
                                          "The console is for IT support staff signed in "
                                          "through the site's login.",
                                          "Open it through the site's address, not chat-webd's "
                                          "own port."));
        return route_co(*this, ex, co);
    }
    if (path.starts_with("/c/") && (get || method == "POST"))
        return route_guest_link(*this, ex, path.substr(3));
    if (path == "/chat" && get)
        return route_chat_page(*this, ex);
    if (path == "/chat/events" && get)
        return route_chat_events(*this, ex);
    if (path == "/chat/send" && method == "POST")
        return route_chat_send(*this, ex);
    if (path == "/chat/presence" && method == "POST")
        return route_chat_presence(*this, ex);
    if (path == "/chat/typing" && method == "POST")
        return route_chat_typing(*this, ex);
    if (path == "/" && get)
        return route_landing(*this, ex);
    if (path == "/healthz" && get)
        return ex->respond(chatd_.connected() ? web::Response::text(200, "ok\n")
                                              : web::Response::text(503, "chatd unreachable\n"));
    if (path.starts_with("/static/") && get) {
        std::string type;
        if (const std::string* body = static_file(path.substr(8), type)) {
            web::Response r{200, type, *body, {{"Cache-Control", "max-age=300"}}};
            return ex->respond(std::move(r));
        }
    }
    ex->respond(error_page(404, "Page not found",
                           "There is nothing at this address. Use the link you were sent."));
}

web::Response App::page(unsigned status, const std::string& name, web::TemplateData data) const {
    return web::Response{status, "text/html; charset=utf-8", templates_.page(name, data),
                         page_headers_};
}

web::Response App::error_page(unsigned status, const std::string& heading,
                              const std::string& message, const std::string& hint) const {
    web::TemplateData data;
    data.set("title", heading);
    data.set("heading", heading);
    data.set("message", message);
    if (!hint.empty())
        data.set("hint", hint);
    return page(status, "error.html", data);
}

std::string App::session_of(const web::Exchange& ex) const {
    std::string token = ex.cookie(session_cookie_name);
    return auth::looks_like_token(token) ? token : std::string();
}

std::string App::session_cookie(const std::string& token, int64_t expires_at_ms) const {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const int64_t max_age = std::max<int64_t>(0, (expires_at_ms - now_ms) / 1000);
    return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
                       session_cookie_name, token, max_age, secure_cookies_ ? "; Secure" : "");
}

bool App::from_trusted_proxy(const web::Exchange& ex) const {
    return std::find(trusted_proxies_.begin(), trusted_proxies_.end(), ex.peer_address()) !=
           trusted_proxies_.end();
}

std::string App::co_of(const web::Exchange& ex) const {
    if (!from_trusted_proxy(ex))
        return {};
    std::string user = ex.header(config_.get("web", "user_header").c_str());
    if (const size_t at = user.find('@'); at != std::string::npos)
        user.resize(at);
    // A login name, nothing else: chatd checks it is a CO.
    if (user.empty() || user.size() > 64 ||
        user.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos)
        return {};
    return user;
}

std::string App::co_csrf_for(const std::string& co) const {
    return auth::derive_token("rtchat co csrf", console_secret_ + '\0' + co);
}

bool App::co_csrf_ok(const web::Exchange& ex, const std::string& co) const {
    if (!same_origin(ex))
        return false;
    return auth::equal_in_constant_time(ex.header("X-CSRF-Token"), co_csrf_for(co));
}

void App::add_console_stream(const std::string& co, const std::shared_ptr<web::EventStream>& out) {
    const bool first_of_co = std::none_of(console_streams_.begin(), console_streams_.end(),
                                          [&](const auto& entry) { return entry.first == co; });
    if (console_streams_.empty())
        chatd_.request("subscribe", {{"as_co", co}}, [](const ipc::Reply&) {});
    console_streams_.emplace_back(co, out);
    if (first_of_co)
        chatd_.request("co_presence", {{"as_co", co}, {"state", "online"}},
                       [](const ipc::Reply&) {});
    std::weak_ptr<web::EventStream> weak = out;
    out->on_closed = [this, co, weak] {
        std::erase_if(console_streams_, [&](const auto& entry) {
            return entry.second == weak.lock() || !entry.second->open();
        });
        if (std::none_of(console_streams_.begin(), console_streams_.end(),
                         [&](const auto& entry) { return entry.first == co; }))
            chatd_.request("co_presence", {{"as_co", co}, {"state", "gone"}},
                           [](const ipc::Reply&) {});
    };
}

bool App::same_origin(const web::Exchange& ex) const {
    const std::string origin = ex.header("Origin");
    return origin.empty() || origin == origin_;
}

std::string App::csrf_for(const std::string& session) const {
    return auth::derive_token("rtchat csrf", session);
}

bool App::csrf_ok(const web::Exchange& ex, const std::string& session) const {
    if (!same_origin(ex))
        return false;
    return auth::equal_in_constant_time(ex.header("X-CSRF-Token"), csrf_for(session));
}

bool App::take_send_token(const std::string& session) {
    const double per_minute = static_cast<double>(config_.get_int("web", "messages_per_minute"));
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = send_buckets_.try_emplace(session, Bucket{per_minute, now});
    Bucket& b = it->second;
    const double minutes = std::chrono::duration<double>(now - b.at).count() / 60.0;
    b.tokens = std::min(per_minute, b.tokens + minutes * per_minute);
    b.at = now;
    if (b.tokens < 1.0)
        return false;
    b.tokens -= 1.0;
    return true;
}

bool App::typing_allowed(const std::string& who) {
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = last_typing_.try_emplace(who, now);
    if (!fresh && now - it->second < std::chrono::seconds(2))
        return false;
    it->second = now;
    return true;
}

const std::string* App::static_file(const std::string& name, std::string& type) const {
    auto it = static_files_.find(name);
    if (it == static_files_.end())
        return nullptr;
    type = it->second.second;
    return &it->second.first;
}

void App::add_stream(const std::shared_ptr<UserStream>& stream, const std::string& session,
                     const std::string& user, int64_t chat) {
    count_user_stream(user, 1);
    stream->session = &streams_by_session_.find(session)->first;
    stream->user = &streams_by_user_.find(user)->first;
    stream->chat = chat;
    streams_by_chat_.emplace(chat, stream.get());
    stream->on_closed = [this, raw = stream.get()] {
        remove_stream(*raw);
    };
}

void App::remove_stream(UserStream& stream) {
    auto [first, last] = streams_by_chat_.equal_range(stream.chat);
    for (auto it = first; it != last; ++it)
        if (it->second == &stream) {
            streams_by_chat_.erase(it);
            break;
        }
    if (!streams_by_chat_.contains(stream.chat))
        chatd_.request("unsubscribe", {{"chat", stream.chat}}, [](const ipc::Reply&) {});
    // Copies: the counts may drop the strings the stream points at.
    const std::string session = *stream.session;
    const std::string user = *stream.user;
    count_user_stream(user, -1);
    count_session_stream(session, -1);
}

std::vector<UserStream*> App::streams_of_chat(int64_t chat) const {
    std::vector<UserStream*> streams;
    auto [first, last] = streams_by_chat_.equal_range(chat);
    for (auto it = first; it != last; ++it)
        streams.push_back(it->second);
    return streams;
}

size_t App::streams_of_session(const std::string& session) const {
    auto it = streams_by_session_.find(session);
    return it == streams_by_session_.end() ? 0 : static_cast<size_t>(it->second);
}

size_t App::streams_of_user(const std::string& user) const {
    auto it = streams_by_user_.find(user);
    return it == streams_by_user_.end() ? 0 : static_cast<size_t>(it->second);
}

void App::count_user_stream(const std::string& user, int delta) {
    if ((streams_by_user_[user] += delta) <= 0)
        streams_by_user_.erase(user);
}

void App::count_session_stream(const std::string& session, int delta) {
    int& n = streams_by_session_[session];
    n += delta;
    // A tab opening makes the user online (again: a reload's old page may
    // just have said "gone"); the last one closed, gone. chatd drops repeats.
    if (delta > 0)
        report_presence(session, "online");
    if (n <= 0) {
        streams_by_session_.erase(session);
        report_presence(session, "gone");
    }
}

void App::report_presence(const std::string& session, const std::string& state) {
    chatd_.request("user_presence", {{"session", session}, {"state", state}},
                   [](const ipc::Reply&) {});
}

void App::on_chatd_event(const proto::json& event) {
    const std::string kind = event.value("event", "");
    if (!console_streams_.empty()) {
        proto::json data = kind == "message" ? event["message"]
                           : kind == "chat"  ? event["chat"]
                                             : event;
        const std::string line = sse_event(kind, data);
        for (const auto& [co, out] : std::vector(console_streams_))
            out->send(line);
    }
    const int64_t chat = event.value("chat", proto::json()).is_object()
                             ? event["chat"].value("id", int64_t{0})
                             : event.value("chat", int64_t{0});
    const std::vector<UserStream*> streams = streams_of_chat(chat);
    if (streams.empty())
        return;
    if (kind == "message") {
        const proto::json& m = event["message"];
        const int64_t id = m.value("id", int64_t{0});
        const std::string line = sse_event("message", m, id);
        for (UserStream* s : streams)
            if (id > s->last_id && s->send(line))
                s->last_id = id;
    } else if (kind == "typing" && event.value("who", "") == "co") {
        const std::string line = sse_event("typing", {{"name", event.value("name", "")}});
        for (UserStream* s : streams)
            s->send(line);
    } else if (kind == "presence" && event.value("who", "") == "co") {
        const std::string line = sse_event(
            "presence", {{"state", event.value("state", "")}, {"name", event.value("name", "")}});
        for (UserStream* s : streams)
            s->send(line);
    } else if (kind == "chat") {
        const std::string line = sse_event("state", event["chat"]);
        const bool ended = !is_open_state(event["chat"]);
        for (UserStream* s : streams) {
            s->send(line);
            if (ended)
                s->close();
        }
    }
}

void App::on_chatd_state(bool connected) {
    if (!connected)
        return;
    // Consoles: follow every chat again and say again who has one open.
    if (!console_streams_.empty()) {
        chatd_.request("subscribe", {{"as_co", console_streams_.front().first}},
                       [](const ipc::Reply&) {});
        std::set<std::string> cos;
        for (const auto& entry : console_streams_)
            cos.insert(entry.first);
        for (const std::string& co : cos)
            chatd_.request("co_presence", {{"as_co", co}, {"state", "online"}},
                           [](const ipc::Reply&) {});
        for (const auto& entry : std::vector(console_streams_))
            entry.second->send(sse_event("resync", proto::json::object()));
    }
    // chatd forgot our subscriptions and the users' presence: follow each
    // chat again from the oldest message a stream of it has seen (chatd
    // replays the rest as events; ids keep each message to once a stream),
    // and say again who is here.
    std::map<int64_t, std::pair<const std::string*, int64_t>> chats; // session, oldest id
    for (const auto& [chat, s] : streams_by_chat_) {
        auto [it, fresh] = chats.try_emplace(chat, s->session, s->last_id);
        it->second.second = std::min(it->second.second, s->last_id);
    }
    for (const auto& [chat, first] : chats) {
        const int64_t chat_id = chat;
        chatd_.request("user_subscribe", {{"session", *first.first}, {"after", first.second}},
                       [this, chat_id](const ipc::Reply& r) {
                           if (!r.ok) {
                               for (UserStream* s : streams_of_chat(chat_id))
                                   s->close();
                               return;
                           }
                           on_chatd_event({{"event", "chat"}, {"chat", r.result["chat"]}});
                       });
    }
    for (const auto& [session, count] : streams_by_session_)
        report_presence(session, "online");
}

void App::heartbeat() {
    // A comment line: browsers ignore it; a browser that left makes the
    // write fail, which is how a departure is noticed (recipe pitfall 4).
    const int64_t slice = heartbeat_tick_++ % heartbeat_slices;
    std::vector<UserStream*> due;
    for (const auto& [chat, s] : streams_by_chat_)
        if (chat % heartbeat_slices == slice)
            due.push_back(s);
    for (UserStream* s : due)
        s->send(": keep-alive\n\n");
    if (slice == 0)
        for (const auto& entry : std::vector(console_streams_))
            entry.second->send(": keep-alive\n\n");
    if (slice != 0)
        return;
    const auto stale = std::chrono::steady_clock::now() - std::chrono::minutes(2);
    std::erase_if(send_buckets_, [&](const auto& kv) { return kv.second.at < stale; });
    std::erase_if(last_typing_, [&](const auto& kv) { return kv.second < stale; });
}

} // namespace rtchat::webd
