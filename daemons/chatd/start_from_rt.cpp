#include "start_from_rt.hpp"

#include "auth/peer.hpp"
#include "guest_link.hpp"
#include "log/log.hpp"
#include "proto/chat_json.hpp"
#include "rt/mail.hpp"
#include "start_chat.hpp"
#include "timefmt/local_time.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

namespace rtchat::chatd {
namespace {

using proto::ErrorCode;
using proto::ProtocolError;

std::string describe(const rt::Person& p) {
    const std::string name = p.real_name.empty() ? p.name : p.real_name;
    return p.email.empty() || rt::same_user(p.email, name) ? name
                                                           : fmt::format("{} <{}>", name, p.email);
}

// A site login is an RT user name that is not an address; the chat then
// carries it, so that the user finds the chat under /my/ once signed in.
std::string chat_user_name(const rt::Person& p) {
    if (p.name.find('@') == std::string::npos && !p.name.empty())
        return p.name;
    return p.real_name.empty() ? p.email : p.real_name;
}

std::string link_message(const config::Config& config, const rt::Ticket& ticket,
                         const std::string& person, const std::string& co, const GuestLink& link,
                         const std::string& login) {
    const auto path =
        std::filesystem::path(config.get("web", "share_dir")) / "templates" / "link-message.txt";
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read the link message template " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    kainjow::mustache::mustache tmpl(text.str());
    if (!tmpl.is_valid())
        throw std::runtime_error("the link message template does not parse: " +
                                 tmpl.error_message());
    tmpl.set_custom_escape([](const std::string& s) { return s; }); // plain text
    kainjow::mustache::data d;
    if (!person.empty())
        d.set("name", person);
    d.set("co", auth::display_name(co));
    d.set("subject", ticket.subject);
    d.set("ticket", std::to_string(ticket.id));
    d.set("url", link.url);
    if (login.empty())
        d.set("expires", timefmt::local_time(link.expires_at, "%A %d %B, %H:%M %Z"));
    else
        d.set("login", login);
    return tmpl.render(d);
}

// The ticket RT described, or the error a CO should see.
const rt::Ticket& found_ticket(const rt::System& system, int64_t ticket_id,
                               const std::string& error, const rt::TicketLookup& lookup) {
    if (!error.empty())
        throw ProtocolError(ErrorCode::unavailable,
                            fmt::format("RT {} could not be asked about ticket {}: {}", system.name,
                                        ticket_id, error));
    if (!lookup.ticket)
        throw ProtocolError(ErrorCode::not_found, lookup.why_not);
    return *lookup.ticket;
}

} // namespace

rt::Person choose_requestor(const rt::Ticket& ticket, const std::string& user,
                            const std::string& email) {
    std::string choices;
    for (const rt::Person& p : ticket.requestors)
        choices += (choices.empty() ? "" : ", ") + describe(p);
    if (ticket.requestors.empty())
        throw ProtocolError(ErrorCode::bad_request,
                            fmt::format("ticket {} has no requestor to chat with", ticket.id));
    if (!user.empty() || !email.empty()) {
        for (const rt::Person& p : ticket.requestors)
            if ((!email.empty() &&
                 (rt::same_user(p.email, email) || rt::same_user(p.name, email))) ||
                (!user.empty() &&
                 (rt::same_user(p.name, user) || rt::same_user(p.real_name, user) ||
                  rt::same_user(p.email, user))))
                return p;
        throw ProtocolError(ErrorCode::bad_request,
                            fmt::format("{} is not a requestor of ticket {}; its requestors: {}",
                                        email.empty() ? user : email, ticket.id, choices));
    }
    if (ticket.requestors.size() > 1)
        throw ProtocolError(ErrorCode::bad_request,
                            fmt::format("ticket {} has {} requestors; choose one with --email: {}",
                                        ticket.id, ticket.requestors.size(), choices));
    return ticket.requestors.front();
}

void read_ticket(Call& call, const rt::System& system, int64_t ticket_id) {
    Server& server = call.server;
    const Later later = call.defer();
    auto lookup = std::make_shared<rt::TicketLookup>();
    server.rt().run(
        system, [lookup, ticket_id](rt::Client& rt) { *lookup = rt.ticket(ticket_id); },
        [&server, later, system, ticket_id, lookup](const std::string& error) {
            reply_later(server, later, [&]() -> proto::json {
                const rt::Ticket& t = found_ticket(system, ticket_id, error, *lookup);
                proto::json people = proto::json::array();
                for (const rt::Person& p : t.requestors)
                    people.push_back({{"name", p.name},
                                      {"email", p.email},
                                      {"real_name", p.real_name},
                                      {"label", describe(p)}});
                return {{"ticket", t.id},
                        {"rt_system", system.name},
                        {"subject", t.subject},
                        {"queue", t.queue},
                        {"status", t.status},
                        {"url", fmt::format("{}/Ticket/Display.html?id={}", system.url, t.id)},
                        {"queue_allowed", system.queue_allowed(t.queue)},
                        {"share_link", system.share_link == rt::ShareLink::none   ? "none"
                                       : system.share_link == rt::ShareLink::mail ? "mail"
                                       : system.share_link == rt::ShareLink::both ? "both"
                                                                                  : "correspond"},
                        {"requestors", std::move(people)}};
            });
        });
}

void start_from_rt(Call& call, const rt::System& system, int64_t ticket_id) {
    StartFromRt req{proto::optional_string(call.body, "user"),
                    checked_email(proto::optional_string(call.body, "email")), call.actor,
                    !(call.body.contains("send") && call.body["send"].is_boolean() &&
                      !call.body["send"].get<bool>())};
    Server& server = call.server;
    const Later later = call.defer();
    start_from_rt(server, system, ticket_id, std::move(req),
                  [&server, later](const std::function<proto::json()>& make) {
                      reply_later(server, later, make);
                  });
}

void start_from_rt(Server& server, const rt::System& system, int64_t ticket_id, StartFromRt req,
                   StartDone done) {
    auto lookup = std::make_shared<rt::TicketLookup>();
    server.rt().run(
        system, [lookup, ticket_id](rt::Client& rt) { *lookup = rt.ticket(ticket_id); },
        [&server, done, req, system, ticket_id, lookup](const std::string& error) {
            // Stage 2, on the loop: check, pick the user, create the chat.
            std::shared_ptr<proto::json> started;
            std::shared_ptr<std::string> message;
            try {
                const rt::Ticket& t = found_ticket(system, ticket_id, error, *lookup);
                if (!system.queue_allowed(t.queue))
                    throw ProtocolError(
                        ErrorCode::bad_request,
                        fmt::format("ticket {} is in queue {}, which may not have chats "
                                    "([rt.{}] allowed_queues)",
                                    t.id, t.queue, system.name));
                const rt::Person who = choose_requestor(t, req.user, req.email);
                // A requestor with a site login signs in to chat (under /my/,
                // behind the site's login); anyone else gets a guest link.
                const bool by_login = system.site_logins && !who.name.empty() &&
                                      who.name.find('@') == std::string::npos;
                store::NewChat chat;
                chat.user_name = checked_user_name(chat_user_name(who));
                chat.user_email = who.email;
                chat.rt_ticket = t.id;
                chat.rt_system = system.name;
                chat.rt = store::TicketFacts{
                    t.subject, t.queue, t.status,
                    fmt::format("{}/Ticket/Display.html?id={}", system.url, t.id)};
                chat.created_by = req.co;
                const auto [created, link] = start_chat(server, std::move(chat), by_login, "rt");
                started = std::make_shared<proto::json>(proto::json{
                    {"chat", proto::to_json(created)},
                    {"link", link.to_json()},
                    {"rt",
                     {{"ticket", t.id},
                      {"subject", t.subject},
                      {"queue", t.queue},
                      {"status", t.status},
                      {"requestor", describe(who)}}},
                    {"access", by_login ? "site login " + who.name : std::string("guest link")}});
                if (req.send && system.share_link != rt::ShareLink::none)
                    message = std::make_shared<std::string>(
                        link_message(server.config(), t, who.real_name, req.co, link,
                                     by_login ? who.name : std::string()));
            } catch (...) {
                const std::exception_ptr failure = std::current_exception();
                done([&]() -> proto::json { std::rethrow_exception(failure); });
                return;
            }
            if (!message) {
                (*started)["shared"] = {{"how", "none"}};
                done([&] { return *started; });
                return;
            }
            // Stage 3: the link goes to the requestor: through RT, by mail, or both.
            const std::string subject =
                "Chat with IT support: " + (*started)["rt"].value("subject", std::string());
            const bool reply = system.share_link == rt::ShareLink::correspond ||
                               system.share_link == rt::ShareLink::both;
            const bool mail = system.share_link == rt::ShareLink::mail ||
                              system.share_link == rt::ShareLink::both;
            const std::string address = (*started)["chat"].value("email", std::string());
            const int64_t now = server.store().now();
            server.rt().run(
                system,
                [ticket_id, subject, message, reply, mail, address, system, now](rt::Client& rt) {
                    if (reply)
                        rt.correspond(ticket_id, subject, *message);
                    if (mail) {
                        if (address.empty())
                            throw std::runtime_error("the requestor has no email address");
                        rt::send_plain_mail(system, address, subject, *message, now);
                    }
                },
                [done, started, ticket_id, reply, mail](const std::string& share_error) {
                    const char* how = reply && mail ? "both" : reply ? "correspond" : "mail";
                    proto::json shared{{"how", how}, {"ok", share_error.empty()}};
                    if (!share_error.empty())
                        shared["error"] = share_error;
                    log::info("link_shared", {{"chat", (*started)["chat"].value("id", int64_t{0})},
                                              {"rt_ticket", ticket_id},
                                              {"how", how},
                                              {"ok", share_error.empty() ? "yes" : "no"}});
                    (*started)["shared"] = std::move(shared);
                    done([&] { return *started; });
                });
        });
}

} // namespace rtchat::chatd
