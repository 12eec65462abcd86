#include "context.hpp"
#include "print.hpp"

#include <iostream>

namespace rtchat::chatctl {

void set_start_command(CLI::App& app, Context& ctx) {
    struct Options {
        std::string user;
        std::string email;
        int64_t rt = 0;
        std::string rt_system;
        bool no_send = false;
        bool json = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "start", "start a chat with a user, or with the requestor of an RT ticket");
    cmd->add_option("-u,--user", opt->user,
                    "the user's name, as shown in the chat; with --rt, picks a requestor");
    cmd->add_option("-e,--email", opt->email,
                    "the user's email address; with --rt, picks a requestor");
    cmd->add_option("--rt", opt->rt,
                    "the RT ticket the chat is about; where RT can be asked, its requestor is "
                    "the user and gets the link")
        ->check(positive_id());
    cmd->add_option("--rt-system", opt->rt_system,
                    "the RT system (an [rt.NAME] of rtchat.conf) the ticket is in; needed when "
                    "several are configured");
    cmd->add_flag("--no-send", opt->no_send,
                  "print the link instead of sending it to the requestor through RT");
    cmd->add_flag("--json", opt->json, "print the chat and link as JSON");
    cmd->callback([&ctx, opt] {
        if (opt->user.empty() && opt->rt == 0)
            throw CLI::RequiredError("--user (or --rt with a ticket)");
        proto::json args = proto::json::object();
        if (!opt->user.empty())
            args["user"] = opt->user;
        if (!opt->email.empty())
            args["email"] = opt->email;
        if (opt->rt > 0)
            args["rt_ticket"] = opt->rt;
        if (!opt->rt_system.empty())
            args["rt_system"] = opt->rt_system;
        if (opt->no_send)
            args["send"] = false;
        proto::json result = ctx.client().call("start", args);
        if (opt->json) {
            print_json(result);
            return;
        }
        const proto::json& chat = result["chat"];
        const proto::json& link = result["link"];
        std::cout << "Chat " << chat.value("id", int64_t{0}) << " started for "
                  << terminal_safe(chat.value("user", "?"));
        const std::string email = chat.value("email", "");
        if (!email.empty() && email != chat.value("user", ""))
            std::cout << " <" << terminal_safe(email) << ">";
        if (chat["rt_ticket"].is_number_integer())
            std::cout << " (RT #" << chat["rt_ticket"].get<int64_t>() << ")";
        std::cout << ".\n";
        if (result.contains("rt")) {
            const proto::json& t = result["rt"];
            std::cout << "Ticket:  #" << t.value("ticket", int64_t{0}) << " \""
                      << terminal_safe(t.value("subject", "")) << "\", queue "
                      << terminal_safe(t.value("queue", "")) << ", " << t.value("status", "")
                      << "\n";
            std::cout << "Access:  " << result.value("access", "guest link") << "\n";
        }
        const proto::json shared = result.value("shared", proto::json::object());
        const std::string how = shared.value("how", "none");
        const bool sent = how != "none" && shared.value("ok", false);
        const bool by_login = result.value("access", "").starts_with("site login");
        if (sent) {
            std::cout << "The link went to " << terminal_safe(result["rt"].value("requestor", ""))
                      << (how == "both"   ? " as a reply on the ticket and by mail"
                          : how == "mail" ? " by mail"
                                          : " as a reply on the ticket");
            if (by_login)
                std::cout << "; they sign in to chat:\n  " << link.value("url", "") << "\n";
            else
                std::cout << "; it works until " << local_time(link["expires_at"]) << ":\n  "
                          << link.value("url", "") << "\n";
            return;
        }
        if (shared.contains("error"))
            std::cerr << "chatctl: warning: the link could not be sent: "
                      << terminal_safe(shared.value("error", "")) << "\nPass it on yourself.\n";
        if (by_login)
            std::cout << "They sign in to chat, at:\n  " << link.value("url", "") << "\n";
        else
            std::cout << "Guest link, valid until " << local_time(link["expires_at"]) << ":\n  "
                      << link.value("url", "") << "\n";
    });
}

} // namespace rtchat::chatctl
