#include "ipc/async_client.hpp"

#include "log/log.hpp"

#include <sys/epoll.h>
#include <variant>

namespace rtchat::ipc {
namespace {

constexpr size_t max_line = 64 * 1024 * 1024;
constexpr size_t max_output = 64 * 1024 * 1024;
constexpr std::chrono::milliseconds max_backoff{30000};

Reply unavailable(const std::string& why) {
    Reply r;
    r.code = proto::ErrorCode::unavailable;
    r.message = why;
    return r;
}

} // namespace

AsyncClient::AsyncClient(EventLoop& loop, std::string socket_path, EventHandler on_event,
                         StateHandler on_state)
    : loop_(loop)
    , path_(std::move(socket_path))
    , on_event_(std::move(on_event))
    , on_state_(std::move(on_state)) {}

AsyncClient::~AsyncClient() {
    if (retry_timer_)
        loop_.remove(retry_timer_);
    if (conn_)
        loop_.remove(reg_);
}

void AsyncClient::start() {
    try_connect();
}

void AsyncClient::try_connect() {
    if (retry_timer_) {
        loop_.remove(retry_timer_);
        retry_timer_ = 0;
    }
    try {
        Fd fd = connect_unix(path_);
        set_nonblocking(fd.get());
        conn_ = std::make_unique<Connection>(std::move(fd), max_line, max_output);
    } catch (const std::exception& e) {
        log::warning("chatd_unreachable",
                     {{"socket", path_}, {"error", e.what()}, {"retry_ms", backoff_.count()}});
        schedule_retry();
        return;
    }
    reg_ = loop_.add(conn_->fd(), EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { on_io(ev); });
    want_write_ = false;
    backoff_ = std::chrono::milliseconds(1000);
    log::info("chatd_connected", {{"socket", path_}});
    if (on_state_)
        on_state_(true);
}

void AsyncClient::schedule_retry() {
    retry_timer_ = loop_.every(backoff_, [this] { try_connect(); });
    backoff_ = std::min(backoff_ * 2, max_backoff);
}

void AsyncClient::request(const std::string& op, proto::json args, ReplyHandler handler) {
    if (!conn_) {
        handler(unavailable("chatd is not connected; try again shortly"));
        return;
    }
    const int64_t id = next_id_++;
    args["id"] = id;
    args["op"] = op;
    std::string line;
    try {
        line = args.dump(-1, ' ', false, proto::json::error_handler_t::strict) + "\n";
    } catch (const proto::json::type_error&) {
        Reply r;
        r.code = proto::ErrorCode::bad_request;
        r.message = "the text is not valid UTF-8";
        handler(r);
        return;
    }
    pending_.emplace(id, std::move(handler));
    if (!conn_->send(line)) {
        disconnect("cannot write to chatd");
        return;
    }
    update_interest();
}

void AsyncClient::update_interest() {
    if (!conn_)
        return;
    const bool want = conn_->has_pending_output();
    if (want != want_write_) {
        want_write_ = want;
        loop_.modify(reg_, EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u));
    }
}

void AsyncClient::on_io(uint32_t events) {
    if ((events & EPOLLOUT) && !conn_->flush()) {
        disconnect("cannot write to chatd");
        return;
    }
    const bool open = conn_->read_available() == Connection::ReadStatus::open;
    for (;;) {
        auto next = conn_->lines().next();
        auto* line = std::get_if<std::string>(&next);
        if (!line)
            break;
        proto::json msg = proto::json::parse(*line, nullptr, false);
        if (!msg.is_object()) {
            disconnect("chatd sent something that is not JSON");
            return;
        }
        if (msg.contains("event")) {
            if (on_event_)
                on_event_(msg);
            if (!conn_)
                return; // the handler stopped us
            continue;
        }
        auto id = msg.find("id");
        if (id == msg.end() || !id->is_number_integer())
            continue; // a reply to nothing we sent
        auto it = pending_.find(id->get<int64_t>());
        if (it == pending_.end())
            continue;
        ReplyHandler handler = std::move(it->second);
        pending_.erase(it);
        Reply r;
        r.ok = msg.value("ok", false);
        if (r.ok) {
            r.result = msg.value("result", proto::json::object());
        } else {
            const proto::json err = msg.value("error", proto::json::object());
            r.code = proto::parse_error_code(err.value("code", "internal"));
            r.message = err.value("message", "chatd reported an error");
        }
        handler(r);
        if (!conn_)
            return;
    }
    if (!open) {
        disconnect("chatd closed the connection");
        return;
    }
    update_interest();
}

void AsyncClient::disconnect(const std::string& why) {
    if (!conn_)
        return;
    loop_.remove(reg_);
    conn_.reset();
    log::warning("chatd_disconnected", {{"socket", path_}, {"reason", why}});
    // Answer everything in flight: the caller decides whether to retry.
    auto orphans = std::move(pending_);
    pending_.clear();
    for (auto& [id, handler] : orphans)
        handler(unavailable("lost the connection to chatd; try again shortly"));
    if (on_state_)
        on_state_(false);
    schedule_retry();
}

} // namespace rtchat::ipc
