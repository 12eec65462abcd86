// /chat: the user's page, and /chat/send, what they type.

#include "app.hpp"

#include "auth/token.hpp"
#include "log/log.hpp"

namespace rtchat::webd {
namespace {

web::Response no_session(const App& app) {
    return app.error_page(403, "No chat open in this browser",
                          "This chat has ended, or this browser has not opened it.",
                          "Use the link you were sent, or ask IT support for a new one.");
}

web::Response json_error(unsigned status, const std::string& message) {
    return web::Response::json(status, proto::json{{"error", message}}.dump());
}

// The session of a POST from the chat page that carries its CSRF token;
// otherwise the refusal is sent and the result is empty.
std::string checked_post(const App& app, const ExchangePtr& ex) {
    const std::string session = app.session_of(*ex);
    if (session.empty()) {
        ex->respond(json_error(403, "this chat has ended or this browser has not opened it"));
        return {};
    }
    if (!app.csrf_ok(*ex, session)) {
        log::warning("csrf_refused", {{"peer", ex->peer_address()}});
        ex->respond(json_error(403, "the page is out of date; reload it and try again"));
        return {};
    }
    return session;
}

} // namespace

void route_chat_page(App& app, const ExchangePtr& ex) {
    const std::string session = app.session_of(*ex);
    if (session.empty())
        return ex->respond(no_session(app));
    app.chatd().request(
        "user_show", {{"session", session}}, [&app, ex, session](const ipc::Reply& r) {
            if (!r.ok)
                return ex->respond(
                    r.code == proto::ErrorCode::unavailable
                        ? app.error_page(503, "The chat is unavailable",
                                         "The chat service cannot be reached just now.",
                                         "Please reload in a minute.")
                        : no_session(app));
            const proto::json& chat = r.result["chat"];
            web::TemplateData data;
            data.set("title", "Chat with IT support");
            data.set("body_class", "chat");
            data.set("script", "chat.js");
            data.set("csrf", app.csrf_for(session));
            data.set("co", chat.value("co", "IT support"));
            data.set("user", chat.value("user", ""));
            data.set("max_message_bytes", app.config().get("chatd", "max_message_bytes"));
            ex->respond(app.page(200, "chat.html", data));
        });
}

void route_chat_send(App& app, const ExchangePtr& ex) {
    const std::string session = checked_post(app, ex);
    if (session.empty())
        return;
    if (ex->body_too_large())
        return ex->respond(json_error(413, "the message is too long"));
    const proto::json body = proto::json::parse(ex->body(), nullptr, false);
    if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
        return ex->respond(json_error(400, "expected {\"text\": \"…\"}"));
    if (!app.take_send_token(session))
        return ex->respond(json_error(429, "you are sending too fast; wait a moment"));
    app.chatd().request(
        "user_say", {{"session", session}, {"text", body["text"]}}, [ex](const ipc::Reply& r) {
            if (!r.ok)
                return ex->respond(json_error(http_status_for(r.code), r.message));
            ex->respond(
                web::Response::json(200, proto::json{{"message", r.result["message"]}}.dump()));
        });
}

// The user is typing. Passed on to chatd at most once every 2 s a session.
void route_chat_typing(App& app, const ExchangePtr& ex) {
    const std::string session = checked_post(app, ex);
    if (session.empty())
        return;
    if (app.typing_allowed(session))
        app.chatd().request("user_typing", {{"session", session}}, [](const ipc::Reply&) {});
    ex->respond(web::Response::json(200, "{}"));
}

// The page reports whether it is seen: {"state": "visible" | "hidden" |
// "gone"}. A page being closed sends this with navigator.sendBeacon, which
// cannot set headers, so the CSRF token may come in the body instead.
void route_chat_presence(App& app, const ExchangePtr& ex) {
    const std::string session = app.session_of(*ex);
    if (session.empty())
        return ex->respond(json_error(403, "no chat session"));
    if (ex->body_too_large())
        return ex->respond(json_error(413, "too large"));
    const proto::json body = proto::json::parse(ex->body(), nullptr, false);
    if (!body.is_object() || !body.contains("state") || !body["state"].is_string())
        return ex->respond(json_error(400, "expected {\"state\": \"visible\"}"));
    const bool token_in_body =
        app.same_origin(*ex) && body.contains("csrf") && body["csrf"].is_string() &&
        auth::equal_in_constant_time(body["csrf"].get<std::string>(), app.csrf_for(session));
    if (!token_in_body && !app.csrf_ok(*ex, session))
        return ex->respond(json_error(403, "the page is out of date; reload it"));
    const std::string state = body["state"];
    if (state != "visible" && state != "hidden" && state != "gone")
        return ex->respond(json_error(400, "state must be visible, hidden or gone"));
    // With no stream open the user is gone whatever the page says; a tab
    // that closes while another stays open leaves the user online.
    const size_t open_tabs = app.streams_of_session(session);
    std::string presence = "online";
    if (open_tabs == 0 || (state == "gone" && open_tabs <= 1))
        presence = "gone";
    else if (state == "hidden")
        presence = "away";
    app.report_presence(session, presence);
    ex->respond(web::Response::json(200, "{}"));
}

} // namespace rtchat::webd
