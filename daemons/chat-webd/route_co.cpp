// /co/: the CO console. Every request names the CO that Apache signed in;
// chat-webd passes it to chatd as "as_co", and chatd checks it is a CO.

#include "app.hpp"

#include "timefmt/local_time.hpp"

#include "log/log.hpp"

#include <charconv>
#include <fmt/format.h>

namespace rtchat::webd {
namespace {

web::Response json_reply(unsigned status, const proto::json& body) {
    return web::Response::json(status,
                               body.dump(-1, ' ', false, proto::json::error_handler_t::replace));
}

web::Response json_error(unsigned status, const std::string& message) {
    return json_reply(status, {{"error", message}});
}

// "/co/chat/42" or "/co/api/chat/42/say" → 42, else 0.
int64_t chat_id_in(const std::string& path, std::string_view prefix, std::string* rest = nullptr) {
    if (!path.starts_with(prefix))
        return 0;
    const char* begin = path.data() + prefix.size();
    const char* end = path.data() + path.size();
    int64_t id = 0;
    auto [stop, ec] = std::from_chars(begin, end, id);
    if (ec != std::errc{} || id <= 0)
        return 0;
    if (rest)
        *rest = std::string(stop, end);
    else if (stop != end)
        return 0;
    return id;
}

// Forwards one request to chatd in the CO's name and answers with its result.
void forward(App& app, const ExchangePtr& ex, const std::string& co, const std::string& op,
             proto::json args) {
    args["as_co"] = co;
    app.chatd().request(op, std::move(args), [ex](const ipc::Reply& r) {
        ex->respond(r.ok ? json_reply(200, r.result)
                         : json_error(http_status_for(r.code), r.message));
    });
}

web::TemplateData base_data(const App& app, const std::string& co, const std::string& title) {
    web::TemplateData data;
    data.set("title", title);
    data.set("co", co);
    data.set("csrf", app.co_csrf_for(co));
    data.set("script", "co.js");
    return data;
}

// The chat's ticket, as RT described it when the chat was started from it;
// the link only to an http(s) page (it comes from the configuration).
void set_ticket(web::TemplateData& data, const proto::json& chat) {
    if (!chat["rt_ticket"].is_number_integer())
        return;
    data.set("ticket", std::to_string(chat["rt_ticket"].get<int64_t>()));
    const proto::json rt = chat.value("rt", proto::json::object());
    const std::string url = rt.value("url", "");
    if (url.starts_with("https://") || url.starts_with("http://"))
        data.set("ticket_url", url);
    if (!rt.value("subject", "").empty()) {
        data.set("ticket_subject", rt.value("subject", ""));
        data.set("ticket_queue", rt.value("queue", ""));
        data.set("ticket_status", rt.value("status", ""));
    }
}

void list_page(App& app, const ExchangePtr& ex, const std::string& co) {
    app.chatd().request("list", {{"as_co", co}}, [&app, ex, co](const ipc::Reply& r) {
        if (!r.ok)
            return ex->respond(app.error_page(http_status_for(r.code), "Not available", r.message));
        web::TemplateData data = base_data(app, co, "rtchat — open chats");
        web::TemplateData chats{web::TemplateData::type::list};
        for (const proto::json& c : r.result["chats"]) {
            web::TemplateData row;
            row.set("id", std::to_string(c.value("id", int64_t{0})));
            row.set("user", c.value("user", ""));
            row.set("presence", c.value("user_presence", "unknown"));
            set_ticket(row, c);
            row.set("messages", std::to_string(c.value("messages", int64_t{0})));
            const int64_t last = c["last_message_at"].is_number_integer()
                                     ? c["last_message_at"].get<int64_t>()
                                     : c.value("updated_at", int64_t{0});
            row.set("last", timefmt::minutes(last));
            row.set("created_by", c.value("created_by", ""));
            chats.push_back(row);
        }
        data.set("chats", chats);
        ex->respond(app.page(200, "co/list.html", data));
    });
}

void chat_page(App& app, const ExchangePtr& ex, const std::string& co, int64_t id) {
    app.chatd().request("show", {{"as_co", co}, {"chat", id}}, [&app, ex, co](const ipc::Reply& r) {
        if (!r.ok)
            return ex->respond(app.error_page(http_status_for(r.code), "No such chat", r.message));
        const proto::json& c = r.result["chat"];
        web::TemplateData data =
            base_data(app, co, fmt::format("Chat #{} — rtchat", c.value("id", int64_t{0})));
        data.set("body_class", "chat");
        data.set("id", std::to_string(c.value("id", int64_t{0})));
        data.set("user", c.value("user", ""));
        data.set("state", c.value("state", ""));
        data.set("presence", r.result.value("user_presence", "unknown"));
        data.set("created_by", c.value("created_by", ""));
        data.set("started", timefmt::minutes(c.value("created_at", int64_t{0})));
        set_ticket(data, c);
        // After starting from a ticket: whether its link went out.
        const std::string link = ex->query("link");
        if (link == "sent")
            data.set("notice", "The link went to " + c.value("user", std::string("the user")) +
                                   ". You will see them come online here.");
        else if (link == "not-sent")
            data.set("notice", "The link was not sent: make a new link below and pass "
                               "it on yourself.");
        data.set("max_message_bytes", app.config().get("chatd", "max_message_bytes"));
        ex->respond(app.page(200, "co/chat.html", data));
    });
}

// GET /co/start?rt=N: what RT says of ticket N, and a button; nothing
// changes until the CO presses it (a link in RT, a mail scanner or a
// prefetch must not start chats).
void start_page(App& app, const ExchangePtr& ex, const std::string& co) {
    int64_t ticket = 0;
    const std::string rt = ex->query("rt");
    auto [end, ec] = std::from_chars(rt.data(), rt.data() + rt.size(), ticket);
    if (ec != std::errc{} || end != rt.data() + rt.size() || ticket <= 0)
        return ex->respond(app.error_page(400, "No ticket",
                                          "This address needs ?rt= and a ticket number.",
                                          "Use the Chat link on the ticket's page in RT."));
    proto::json args{{"as_co", co}, {"rt_ticket", ticket}};
    if (!ex->query("rt_system").empty())
        args["rt_system"] = ex->query("rt_system");
    app.chatd().request("ticket", std::move(args), [&app, ex, co](const ipc::Reply& r) {
        if (!r.ok)
            return ex->respond(
                app.error_page(http_status_for(r.code), "Cannot start this chat", r.message));
        const proto::json& t = r.result;
        web::TemplateData data = base_data(app, co, "rtchat — start a chat");
        for (const char* key : {"subject", "queue", "status", "url", "rt_system"})
            data.set(key, t.value(key, ""));
        data.set("ticket", std::to_string(t.value("ticket", int64_t{0})));
        const proto::json& people = t["requestors"];
        if (!t.value("queue_allowed", false))
            data.set("refusal", fmt::format("Queue {} may not have chats (its RT system's "
                                            "allowed_queues).",
                                            t.value("queue", "")));
        else if (people.empty())
            data.set("refusal", "This ticket has no requestor to chat with.");
        web::TemplateData list{web::TemplateData::type::list};
        for (const proto::json& p : people) {
            web::TemplateData person;
            person.set("email",
                       p.value("email", "").empty() ? p.value("name", "") : p.value("email", ""));
            person.set("label", p.value("label", ""));
            list.push_back(person);
        }
        if (people.size() == 1) {
            web::TemplateData one;
            one.set("email", people[0].value("email", "").empty() ? people[0].value("name", "")
                                                                  : people[0].value("email", ""));
            one.set("label", people[0].value("label", ""));
            data.set("one", one);
        }
        if (people.size() > 1) {
            data.set("several", true);
            data.set("requestors", list);
        }
        const std::string how = t.value("share_link", "");
        data.set("share", how == "none"   ? "You land in the chat and make a link there to pass on."
                          : how == "mail" ? "The link goes to them by mail; you land in the chat."
                          : how == "both" ? "The link goes to them as a reply on the ticket and "
                                            "by mail; you land in the chat."
                                          : "The link goes to them as a reply on the ticket, "
                                            "which RT mails them; you land in the chat.");
        ex->respond(app.page(200, "co/start.html", data));
    });
}

} // namespace

void route_co(App& app, const ExchangePtr& ex, const std::string& co) {
    const std::string& path = ex->path();
    const bool get = ex->method() == "GET" || ex->method() == "HEAD";
    const bool post = ex->method() == "POST";

    if (get && (path == "/co" || path == "/co/"))
        return list_page(app, ex, co);
    if (get && path == "/co/events") {
        app.add_console_stream(co, ex->stream({{"Cache-Control", "no-store"}}));
        return;
    }
    if (get && path == "/co/api/chats")
        return forward(app, ex, co, "list", proto::json::object());
    if (get && path == "/co/start")
        return start_page(app, ex, co);
    if (post && path == "/co/api/start") {
        if (!app.co_csrf_ok(*ex, co)) {
            log::warning("csrf_refused", {{"peer", ex->peer_address()}, {"co", co}});
            return ex->respond(json_error(403, "the page is out of date; reload it and try again"));
        }
        const proto::json body = proto::json::parse(ex->body(), nullptr, false);
        if (!body.is_object() || !body.contains("rt_ticket") ||
            !body["rt_ticket"].is_number_integer())
            return ex->respond(json_error(400, "expected {\"rt_ticket\": N, ...}"));
        proto::json args{{"rt_ticket", body["rt_ticket"]}};
        for (const char* key : {"rt_system", "email"})
            if (body.contains(key) && body[key].is_string() &&
                !body[key].get<std::string>().empty())
                args[key] = body[key];
        return forward(app, ex, co, "start", std::move(args));
    }
    if (const int64_t id = chat_id_in(path, "/co/chat/"); get && id > 0)
        return chat_page(app, ex, co, id);
    if (const int64_t id = chat_id_in(path, "/co/api/chat/"); get && id > 0)
        return forward(app, ex, co, "show", {{"chat", id}});

    std::string action;
    const int64_t id = chat_id_in(path, "/co/api/chat/", &action);
    if (post && id > 0 &&
        (action == "/say" || action == "/close" || action == "/link" || action == "/typing")) {
        if (!app.co_csrf_ok(*ex, co)) {
            log::warning("csrf_refused", {{"peer", ex->peer_address()}, {"co", co}});
            return ex->respond(json_error(403, "the page is out of date; reload it and try again"));
        }
        if (ex->body_too_large())
            return ex->respond(json_error(413, "the message is too long"));
        proto::json body =
            proto::json::parse(ex->body().empty() ? "{}" : ex->body(), nullptr, false);
        if (!body.is_object())
            return ex->respond(json_error(400, "expected a JSON object"));
        if (action == "/say") {
            if (!body.contains("text") || !body["text"].is_string())
                return ex->respond(json_error(400, "expected {\"text\": \"…\"}"));
            return forward(app, ex, co, "say", {{"chat", id}, {"text", body["text"]}});
        }
        if (action == "/close") {
            proto::json args{{"chat", id}};
            if (body.contains("summary") && body["summary"].is_string())
                args["summary"] = body["summary"];
            return forward(app, ex, co, "close", std::move(args));
        }
        if (action == "/typing") {
            if (app.typing_allowed("co:" + co))
                app.chatd().request("typing", {{"as_co", co}, {"chat", id}},
                                    [](const ipc::Reply&) {});
            return ex->respond(json_reply(200, proto::json::object()));
        }
        return forward(app, ex, co, "link", {{"chat", id}});
    }
    ex->respond(
        app.error_page(404, "Page not found", "There is nothing at this address in the console."));
}

} // namespace rtchat::webd
