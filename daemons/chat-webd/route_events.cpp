// /chat/events: the Server-Sent Events stream of the user's chat. A
// reconnecting browser sends Last-Event-ID (the id of the last message it
// got) and receives only what came after, each message once.

#include "app.hpp"

#include <charconv>

namespace rtchat::webd {
namespace {

int64_t last_event_id(const web::Exchange& ex) {
    const std::string text = ex.header("Last-Event-ID");
    int64_t id = 0;
    std::from_chars(text.data(), text.data() + text.size(), id);
    return id > 0 ? id : 0;
}

} // namespace

// While chatd is away, a stream that only says "retry" keeps the browser
// trying (an error status would make EventSource give up for good).
void retry_later(const ExchangePtr& ex) {
    auto out = ex->stream({{"Cache-Control", "no-store"}});
    out->send("retry: 3000\n\n");
    out->close();
}

void route_chat_events(App& app, const ExchangePtr& ex) {
    const std::string session = app.session_of(*ex);
    if (session.empty())
        return ex->respond(web::Response::text(403, "no chat session\n"));
    if (app.streams_of_session(session) >=
        static_cast<size_t>(app.config().get_int("web", "max_streams_per_session")))
        return ex->respond(web::Response::text(429, "too many open chat windows\n"));
    if (!app.chatd().connected())
        return retry_later(ex);
    const int64_t after = last_event_id(*ex);
    // Counted now, not when chatd answers, so that the limit holds for
    // streams being set up; given back on every path that makes none.
    app.count_session_stream(session, 1);

    // Follow the chat first, then read it: every message is then either in
    // what user_show returns or in an event after that reply (one ordered
    // connection), and ids keep the two from overlapping.
    app.chatd().request("user_subscribe", {{"session", session}}, [](const ipc::Reply&) {});
    app.chatd().request(
        "user_show", {{"session", session}}, [&app, ex, session, after](const ipc::Reply& r) {
            if (!r.ok) {
                app.count_session_stream(session, -1);
                if (r.code == proto::ErrorCode::unavailable)
                    return retry_later(ex);
                return ex->respond(web::Response::text(403, r.message + "\n"));
            }
            // Several links or sign-ins of one person share one allowance.
            const std::string user = r.result["chat"].value("user", "");
            if (app.streams_of_user(user) >=
                static_cast<size_t>(app.config().get_int("web", "max_streams_per_user"))) {
                app.count_session_stream(session, -1);
                return ex->respond(web::Response::text(429, "too many open chat windows\n"));
            }
            auto stream = ex->stream<UserStream>({{"Cache-Control", "no-store"}});
            if (!stream->open()) {
                app.count_session_stream(session, -1); // the browser left meanwhile
                return;
            }
            stream->last_id = after;
            // The browser waits this long before reconnecting after a drop.
            stream->send("retry: 2000\n\n");
            for (const proto::json& m : r.result["messages"]) {
                const int64_t id = m.value("id", int64_t{0});
                if (id > stream->last_id) {
                    stream->send(sse_event("message", m, id));
                    stream->last_id = id;
                }
            }
            stream->send(sse_event("state", r.result["chat"]));
            stream->send(sse_event(
                "presence", {{"state", r.result.value("co_online", false) ? "online" : "gone"},
                             {"name", r.result["chat"].value("co", "")}}));
            app.add_stream(stream, session, user, r.result["chat"].value("id", int64_t{0}));
        });
}

} // namespace rtchat::webd
