#include "handlers.hpp"

#include "log/log.hpp"
#include "store/store.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace rtchat::chatd {
namespace {

using proto::ErrorCode;

constexpr std::array handlers{
    std::pair{std::string_view{"start"}, &handle_start},
    std::pair{std::string_view{"list"}, &handle_list},
    std::pair{std::string_view{"show"}, &handle_show},
    std::pair{std::string_view{"say"}, &handle_say},
    std::pair{std::string_view{"close"}, &handle_close},
    std::pair{std::string_view{"link"}, &handle_link},
    std::pair{std::string_view{"status"}, &handle_status},
    std::pair{std::string_view{"subscribe"}, &handle_subscribe},
    std::pair{std::string_view{"unsubscribe"}, &handle_unsubscribe},
};

Handler find_handler(std::string_view op) {
    for (auto [name, handler] : handlers)
        if (name == op)
            return handler;
    return nullptr;
}

} // namespace

void refuse_oversized(Server& server, Client& client, size_t bytes) {
    log::warning("request_refused",
                 {{"client", client.id}, {"reason", "too_large"}, {"bytes", bytes}});
    server.send_to(
        client, proto::reply_error(nullptr, ErrorCode::too_large,
                                   fmt::format("request is longer than {} bytes",
                                               server.config().get("chatd", "max_request_bytes"))));
}

// Every path through here sends exactly one reply: the handler's result, or
// an error made from whatever it threw.
void dispatch(Server& server, Client& client, const std::string& line) {
    proto::json id = nullptr;
    std::string op;
    try {
        if (!client.co) {
            // A refused peer gets its answer, then the connection is closed:
            // nothing else here is for it.
            client.closing = true;
            try {
                proto::parse_request(line, id); // only for the id to answer with
            } catch (const proto::ProtocolError&) {
            }
            throw proto::ProtocolError(
                ErrorCode::not_authorised,
                fmt::format("not authorised: {} (uid {}) is not a CO; only root and members of "
                            "group '{}' may use chatd",
                            client.name, client.peer.uid,
                            server.config().get("chatd", "co_group")));
        }
        proto::Request request = proto::parse_request(line, id);
        op = request.op;
        Handler handler = find_handler(op);
        if (!handler)
            throw proto::ProtocolError(ErrorCode::bad_request, fmt::format("unknown op '{}'", op));
        Call call{server, client, request.body};
        proto::json result = handler(call);
        server.send_to(client, proto::reply_ok(id, std::move(result)));
        log::debug("request", {{"client", client.id}, {"op", op}});
        return;
    } catch (const proto::ProtocolError& e) {
        log::info("request_refused", {{"client", client.id},
                                      {"uid", client.peer.uid},
                                      {"op", op.empty() ? "-" : op},
                                      {"code", proto::to_string(e.code())}});
        server.send_to(client, proto::reply_error(id, e.code(), e.what()));
    } catch (const store::NotFound& e) {
        server.send_to(client, proto::reply_error(id, ErrorCode::not_found, e.what()));
    } catch (const store::InvalidState& e) {
        server.send_to(client, proto::reply_error(id, ErrorCode::invalid_state, e.what()));
    } catch (const store::DbError& e) {
        const bool busy = (e.code() & 0xff) == SQLITE_BUSY || (e.code() & 0xff) == SQLITE_LOCKED;
        log::error("store_error", {{"op", op}, {"error", e.what()}});
        server.send_to(client,
                       proto::reply_error(id, busy ? ErrorCode::unavailable : ErrorCode::internal,
                                          busy ? "the store is busy; try again"
                                               : "chatd could not use its store; see its log"));
    } catch (const std::exception& e) {
        log::error("request_failed", {{"op", op}, {"error", e.what()}});
        server.send_to(client, proto::reply_error(id, ErrorCode::internal,
                                                  "internal error in chatd; see its log"));
    }
}

} // namespace rtchat::chatd
