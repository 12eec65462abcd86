#include "ipc/client.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace rtchat::ipc {

Client::Client(const std::string& socket_path)
    : path_(socket_path) {
    try {
        fd_ = connect_unix(socket_path);
    } catch (const std::system_error& e) {
        const int err = e.code().value();
        std::string hint;
        if (err == ENOENT || err == ECONNREFUSED)
            hint = "is chatd running? (systemctl status chatd)";
        else if (err == EACCES)
            hint = "your account may not open it; COs must be members of the group that owns "
                   "the socket (see co_group and socket_group in rtchat.conf(5))";
        throw ConnectError(fmt::format("cannot connect to chatd at {}: {}{}{}", socket_path,
                                       std::strerror(err), hint.empty() ? "" : "; ", hint));
    } catch (const std::exception& e) {
        throw ConnectError(fmt::format("cannot connect to chatd: {}", e.what()));
    }
}

void Client::write_all(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw ConnectError(
                fmt::format("lost the connection to chatd at {}: {}", path_, std::strerror(errno)));
        off += static_cast<size_t>(n);
    }
}

int64_t Client::send(const std::string& op, proto::json args) {
    const int64_t id = next_id_++;
    if (!args.is_object())
        args = proto::json::object();
    args["id"] = id;
    args["op"] = op;
    std::string line;
    try {
        line = args.dump(-1, ' ', false, proto::json::error_handler_t::strict);
    } catch (const proto::json::type_error&) {
        // Only invalid UTF-8 makes dump() fail; refuse here rather than alter the text.
        throw proto::ProtocolError(proto::ErrorCode::bad_request,
                                   "the text is not valid UTF-8; check its encoding");
    }
    write_all(line + "\n");
    return id;
}

bool Client::read_once(int timeout_ms) {
    for (;;) {
        auto next = reader_.next();
        if (auto* line = std::get_if<std::string>(&next)) {
            proto::json j = proto::json::parse(*line, nullptr, false);
            if (j.is_discarded() || !j.is_object())
                throw ConnectError("chatd sent something that is not JSON; is the socket "
                                   "really chatd's?");
            (j.contains("event") ? events_ : replies_).push_back(std::move(j));
            return true;
        }
        if (std::holds_alternative<proto::OversizedLine>(next))
            throw ConnectError("chatd sent a line too long to read");
        pollfd p{fd_.get(), POLLIN, 0};
        int rc = poll(&p, 1, timeout_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            return false;
        std::array<char, 65536> buf;
        ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw ConnectError(fmt::format("chatd closed the connection ({})", path_));
        reader_.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
}

proto::json Client::wait_reply(int64_t id) {
    for (;;) {
        for (auto it = replies_.begin(); it != replies_.end(); ++it) {
            const proto::json& r = *it;
            auto rid = r.find("id");
            // A reply with a null id answers a request chatd could not read,
            // and with one request in flight that request was ours.
            if (rid == r.end() || rid->is_null() || (rid->is_number_integer() && *rid == id)) {
                proto::json reply = std::move(*it);
                replies_.erase(it);
                if (reply.value("ok", false))
                    return reply.value("result", proto::json::object());
                const auto& err = reply.value("error", proto::json::object());
                throw RemoteError(proto::parse_error_code(err.value("code", "internal")),
                                  err.value("message", "chatd reported an error"));
            }
        }
        read_once(-1);
    }
}

proto::json Client::call(const std::string& op, proto::json args) {
    return wait_reply(send(op, std::move(args)));
}

std::optional<proto::json> Client::next_event(int timeout_ms) {
    while (events_.empty()) {
        if (!read_once(timeout_ms))
            return std::nullopt;
    }
    proto::json e = std::move(events_.front());
    events_.pop_front();
    return e;
}

} // namespace rtchat::ipc
