// /c/TOKEN: a guest link. GET only shows a button; the POST spends the
// link, so a mail scanner or link preview that fetches it burns nothing.

#include "app.hpp"

#include "auth/token.hpp"
#include "log/log.hpp"

namespace rtchat::webd {
namespace {

web::Response link_refused(const App& app, const ipc::Reply& r) {
    if (r.code == proto::ErrorCode::not_found)
        return app.error_page(404, "This link is not valid",
                              "The chat link is incomplete or was never issued.",
                              "Check that you copied the whole link, or ask IT support for a "
                              "new one.");
    if (r.code == proto::ErrorCode::invalid_state) {
        std::string hint = "Ask IT support for a new link if you still need help.";
        if (r.message == "this link has already been used")
            hint = "Go back to the browser where you first opened it, or ask IT support for a "
                   "new link.";
        std::string message = r.message;
        if (!message.empty())
            message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
        return app.error_page(410, "This link no longer works", message + ".", hint);
    }
    return app.error_page(503, "The chat is unavailable",
                          "The chat service cannot be reached just now.",
                          "Please try again in a minute.");
}

} // namespace

void route_guest_link(App& app, const ExchangePtr& ex, const std::string& token) {
    if (!auth::looks_like_token(token)) {
        ipc::Reply forged;
        forged.code = proto::ErrorCode::not_found;
        return ex->respond(link_refused(app, forged));
    }
    if (ex->method() != "POST") {
        web::TemplateData data;
        data.set("title", "Chat with IT support");
        data.set("token", token);
        return ex->respond(app.page(200, "link.html", data));
    }
    // Another site must not spend a link in the user's browser.
    if (!app.same_origin(*ex))
        return ex->respond(app.error_page(403, "Refused", "This link must be opened directly."));
    app.chatd().request("redeem", {{"token", token}}, [&app, ex](const ipc::Reply& r) {
        if (!r.ok) {
            log::info("link_refused", {{"code", proto::to_string(r.code)}});
            return ex->respond(link_refused(app, r));
        }
        const std::string session = r.result.value("session", "");
        web::Response to_chat = web::Response::redirect("/chat");
        to_chat.headers.emplace_back(
            "Set-Cookie", app.session_cookie(session, r.result.value("expires_at", int64_t{0})));
        to_chat.headers.emplace_back("Cache-Control", "no-store");
        ex->respond(std::move(to_chat));
    });
}

void route_landing(App& app, const ExchangePtr& ex) {
    if (!app.session_of(*ex).empty())
        return ex->respond(web::Response::redirect("/chat"));
    ex->respond(app.error_page(404, "No chat here",
                               "To chat with IT support, use the link you were sent.",
                               "Links look like this address followed by /c/ and a long code."));
}

} // namespace rtchat::webd
