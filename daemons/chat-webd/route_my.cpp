// /my/: users the site signed in (through Apache, like the console) reach
// their own open chats without a guest link. chatd matches the login with
// each chat's user; another person's chat is "not found".

#include "app.hpp"

#include "timefmt/local_time.hpp"

#include <charconv>

namespace rtchat::webd {
namespace {

void open_chat(App& app, const ExchangePtr& ex, const std::string& user, int64_t chat) {
    app.chatd().request(
        "user_login", {{"as_user", user}, {"chat", chat}}, [&app, ex](const ipc::Reply& r) {
            if (!r.ok)
                return ex->respond(app.error_page(http_status_for(r.code), "No such chat",
                                                  "You have no open chat at this address.",
                                                  "Your open chats are listed at /my/."));
            web::Response to_chat = web::Response::redirect("/chat");
            to_chat.headers.emplace_back(
                "Set-Cookie", app.session_cookie(r.result.value("session", ""),
                                                 r.result.value("expires_at", int64_t{0})));
            to_chat.headers.emplace_back("Cache-Control", "no-store");
            ex->respond(std::move(to_chat));
        });
}

} // namespace

void route_my(App& app, const ExchangePtr& ex, const std::string& user) {
    const std::string& path = ex->path();
    if (path.starts_with("/my/chat/")) {
        int64_t chat = 0;
        const char* begin = path.data() + 9;
        auto [end, ec] = std::from_chars(begin, path.data() + path.size(), chat);
        if (ec != std::errc{} || end != path.data() + path.size() || chat <= 0)
            return ex->respond(app.error_page(404, "No such chat", "This address is not a chat."));
        return open_chat(app, ex, user, chat);
    }
    if (path != "/my" && path != "/my/")
        return ex->respond(
            app.error_page(404, "Page not found", "There is nothing at this address."));
    app.chatd().request("user_login", {{"as_user", user}}, [&app, ex, user](const ipc::Reply& r) {
        if (!r.ok)
            return ex->respond(app.error_page(503, "The chat is unavailable",
                                              "The chat service cannot be reached just now.",
                                              "Please try again in a minute."));
        const proto::json& chats = r.result["chats"];
        if (chats.size() == 1)
            return ex->respond(web::Response::redirect(
                "/my/chat/" + std::to_string(chats[0].value("id", int64_t{0}))));
        if (chats.empty())
            return ex->respond(app.error_page(
                404, "No open chat", "IT support has not started a chat with you, or it has ended.",
                "If they sent you a link by email, open that link."));
        web::TemplateData data;
        data.set("title", "Your chats with IT support");
        web::TemplateData list{web::TemplateData::type::list};
        for (const proto::json& c : chats) {
            web::TemplateData item;
            item.set("id", std::to_string(c.value("id", int64_t{0})));
            item.set("co", c.value("co", ""));
            item.set("started", timefmt::minutes(c.value("created_at", int64_t{0})));
            list.push_back(item);
        }
        data.set("chats", list);
        ex->respond(app.page(200, "my.html", data));
    });
}

} // namespace rtchat::webd
