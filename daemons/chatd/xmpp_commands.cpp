// The commands a CO sends to the XMPP service address: help, list, start,
// take, close. Each answers with one short plain message; what cannot be
// done says why and what to try ("Not done: ... — try: ...").

#include "log/log.hpp"
#include "proto/chat_json.hpp"
#include "server.hpp"
#include "start_chat.hpp"
#include "start_from_rt.hpp"
#include "validate.hpp"
#include "xmpp_bridge.hpp"

#include <charconv>
#include <fmt/format.h>
#include <sstream>
#include <vector>

namespace rtchat::chatd {
namespace {

// What a command could not do, and what the CO might send instead.
struct NotDone : std::runtime_error {
    std::string try_instead;
    NotDone(const std::string& why, std::string instead)
        : std::runtime_error(why)
        , try_instead(std::move(instead)) {}
};

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "42", "#42", "chat-42": a positive number; 0 for anything else.
int64_t number_in(std::string_view word) {
    if (word.starts_with("chat-"))
        word.remove_prefix(5);
    else if (word.starts_with("#"))
        word.remove_prefix(1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    return ec == std::errc{} && end == word.data() + word.size() && n > 0 ? n : 0;
}

// The rest of the line after `words` has been read up to here, trimmed.
std::string rest_of(std::istringstream& words) {
    std::string rest;
    std::getline(words, rest);
    const size_t begin = rest.find_first_not_of(" \t");
    if (begin == std::string::npos)
        return {};
    const size_t end = rest.find_last_not_of(" \t\r\n");
    return rest.substr(begin, end - begin + 1);
}

constexpr const char* start_usage =
    "start 12345 [--email ADDRESS] [--rt-system NAME], or start --user NAME [--email ADDRESS]";

// start's words: a ticket number and/or flags.
XmppBridge::StartArgs start_words(std::istringstream& words) {
    XmppBridge::StartArgs w;
    std::string word;
    while (words >> word) {
        std::string* value = word == "--user"        ? &w.user
                             : word == "--email"     ? &w.email
                             : word == "--rt-system" ? &w.rt_system
                                                     : nullptr;
        if (value) {
            if (!(words >> *value))
                throw NotDone(fmt::format("{} needs a value", word), start_usage);
        } else if (!w.ticket && number_in(word)) {
            w.ticket = number_in(word);
        } else {
            throw NotDone(fmt::format("start does not know \"{}\"", word), start_usage);
        }
    }
    if (!w.ticket && w.user.empty())
        throw NotDone("start needs an RT ticket number or --user NAME", start_usage);
    return w;
}

std::string shared_text(const proto::json& result) {
    const proto::json& shared = result["shared"];
    const std::string url = result["link"].value("url", std::string());
    const std::string how = shared.value("how", std::string("none"));
    if (how == "none")
        return fmt::format("Give them this link: {}", url);
    if (!shared.value("ok", false))
        return fmt::format("Sending them the link failed ({}); give it to them yourself: {}",
                           shared.value("error", std::string("no reason given")), url);
    const int64_t ticket = result["rt"].value("ticket", int64_t{0});
    if (how == "correspond")
        return fmt::format("The link went to them as a reply on ticket {}.", ticket);
    if (how == "mail")
        return "The link went to them by mail.";
    return fmt::format("The link went to them as a reply on ticket {} and by mail.", ticket);
}

} // namespace

void XmppBridge::command(const std::string& co, const std::string& from, const std::string& text) {
    const auto reply = [this, from](const std::string& what) {
        link_->send_message("", from, what);
    };
    std::istringstream words(text);
    std::string verb;
    words >> verb;
    verb = lower(verb);
    const size_t max_bytes =
        static_cast<size_t>(server_.config().get_int("chatd", "max_message_bytes"));
    try {
        if (verb == "help" || verb.empty())
            return reply(help());
        if (verb == "list") {
            std::string out;
            for (const store::Chat& c : server_.store().list_chats(false))
                out +=
                    fmt::format("chat-{} {} {}{}{}\n", c.id, c.user_name, store::to_string(c.state),
                                c.rt_ticket ? fmt::format(" RT #{}", *c.rt_ticket) : "",
                                c.co == co ? "" : fmt::format(" (CO {})", c.co));
            return reply(out.empty() ? "No open chats." : out);
        }
        if (verb == "start")
            return start(co, from, start_words(words));
        if (verb == "take") {
            std::string word;
            words >> word;
            const int64_t id = number_in(word);
            if (!id || !rest_of(words).empty())
                throw NotDone("take needs one chat number", "take 42 (list shows the open chats)");
            return take(co, from, id);
        }
        if (verb == "close") {
            std::string word;
            words >> word;
            const int64_t id = number_in(word);
            if (!id)
                throw NotDone("close needs a chat number",
                              "close 42 What was done, for the top of the RT transcript");
            const std::string summary = checked_text(rest_of(words), max_bytes, "summary", true);
            if (!server_.store().find_chat(id))
                throw NotDone(fmt::format("there is no chat {}", id), "list");
            const store::Chat chat = server_.store().close_chat(id, co, summary, "closed by CO");
            log::info("chat_closed", {{"chat", id}, {"co", co}, {"via", "xmpp"}});
            closed_from_xmpp_ = id; // its CO has the answer below; no "ended" notice too
            server_.publish_chat(chat);
            closed_from_xmpp_ = 0;
            return reply(fmt::format("Chat {} closed; its transcript goes to RT.", id));
        }
        throw NotDone(fmt::format("\"{}\" is not a command", verb.substr(0, 40)), "help");
    } catch (const NotDone& e) {
        reply(fmt::format("Not done: {} — try: {}", e.what(), e.try_instead));
    } catch (const std::exception& e) {
        reply(fmt::format("Not done: {} — try: list", e.what()));
    }
}

std::string XmppBridge::help() const {
    return fmt::format(
        "Commands:\n"
        "list — the open chats\n"
        "start 12345 [--email ADDRESS] — a chat with the requestor of RT ticket 12345; the link "
        "goes to them through RT\n"
        "start --user NAME [--email ADDRESS] — a chat for NAME; you get the link to give them\n"
        "take 42 — chat 42 becomes yours: its user's messages come to you\n"
        "close 42 [summary] — ends chat 42; the summary heads the RT transcript\n"
        "help — this list\n"
        "To talk in chat 42, {} {}.",
        client_ ? "join its room," : "write to", link_->address_of("chat-42"));
}

void XmppBridge::start(const std::string& co, const std::string& from, const StartArgs& w) {
    const auto reply = [this, from](const std::string& what) {
        link_->send_message("", from, what);
    };
    const std::string email = checked_email(w.email);
    if (w.ticket) {
        const std::string rt_system = checked_rt_system(server_.config(), w.rt_system);
        if (const auto system = server_.rt().system_with_api(rt_system)) {
            // As chatctl start --rt: RT is read on its thread; the answer
            // comes once the chat exists and its link went out.
            start_from_rt(
                server_, *system, w.ticket, StartFromRt{w.user, email, co, true},
                [this, reply](const std::function<proto::json()>& make) {
                    try {
                        const proto::json r = make();
                        const proto::json& chat = r["chat"];
                        const int64_t id = chat.value("id", int64_t{0});
                        reply(fmt::format(
                            "Chat {} started for {} (RT #{}: {}): write to {}. {}", id,
                            r["rt"].value("requestor", chat.value("user", "")),
                            r["rt"].value("ticket", int64_t{0}), r["rt"].value("subject", ""),
                            link_->address_of(fmt::format("chat-{}", id)), shared_text(r)));
                    } catch (const std::exception& e) {
                        reply(fmt::format("Not done: {} — try: {}", e.what(), start_usage));
                    }
                    server_.settle();
                });
            return;
        }
        if (w.user.empty())
            throw NotDone(fmt::format("no RT system here can read ticket {} ([rt.NAME] in "
                                      "rtchat.conf)",
                                      w.ticket),
                          fmt::format("start {} --user NAME [--email ADDRESS]", w.ticket));
    }
    // As chatctl start --user: the CO names the user and passes the link on.
    store::NewChat chat;
    chat.user_name = checked_user_name(w.user);
    chat.user_email = email;
    if (w.ticket) {
        chat.rt_ticket = w.ticket;
        chat.rt_system = checked_rt_system(server_.config(), w.rt_system);
    }
    chat.created_by = co;
    const auto [created, link] = start_chat(server_, std::move(chat), false, "xmpp");
    reply(fmt::format("Chat {} started for {}: write to {}. Give them this link (it works "
                      "once):\n{}",
                      created.id, created.user_name, link_->address_of(chat_local(created.id)),
                      link.url));
}

void XmppBridge::take(const std::string& co, const std::string& from, int64_t id) {
    std::optional<store::Chat> before = server_.store().find_chat(id);
    if (!before)
        throw NotDone(fmt::format("there is no chat {}", id), "list");
    const std::string address = link_->address_of(chat_local(id));
    if (before->co == co && store::is_open(before->state)) {
        link_->send_message("", from,
                            fmt::format("Chat {} is yours already: write to {}.", id, address));
        return;
    }
    const store::Chat chat = server_.store().take_chat(id, co);
    log::info("chat_taken", {{"chat", id}, {"co", co}, {"from_co", before->co}, {"via", "xmpp"}});
    server_.publish_chat(chat);
    if (client_) {
        // The room: the new CO becomes a member and is invited, the old one
        // hears of it there and loses membership (so leaves, members-only).
        const std::string room = chat_local(id);
        link_->send_room_message(room, fmt::format("{} took over this chat.", co));
        if (auto jid = jid_of(co)) {
            link_->set_affiliation(room, *jid, "member");
            link_->invite(room, *jid, fmt::format("Chat {} with {}", id, chat.user_name));
        }
        if (auto old_jid = jid_of(before->co); old_jid && before->co != co)
            link_->set_affiliation(room, *old_jid, "none");
    } else if (auto old_jid = jid_of(before->co)) {
        // The one who had it hears of it in the chat's own conversation, and
        // the chat's address goes offline for them.
        link_->send_message(chat_local(id), *old_jid,
                            fmt::format("{} took over this chat; you get no more of it.", co));
        link_->send_presence(chat_local(id), *old_jid, false, "", "taken over by " + co);
    }
    server_.co_presence_may_have_changed(co);
    server_.co_presence_may_have_changed(before->co);
    user_presence(chat, server_.user_presence(id));
    link_->send_message("", from,
                        fmt::format("Chat {} with {} is yours now (it was {}'s): write to {}.", id,
                                    chat.user_name, before->co, address));
}

} // namespace rtchat::chatd
