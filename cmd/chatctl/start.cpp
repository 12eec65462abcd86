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
        bool json = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd =
        app.add_subcommand("start", "start a chat with a user and print its guest link");
    cmd->add_option("-u,--user", opt->user, "the user's name, as shown in the chat")->required();
    cmd->add_option("-e,--email", opt->email, "the user's email address");
    cmd->add_option("--rt", opt->rt, "the RT ticket the transcript belongs to")
        ->check(positive_id());
    cmd->add_option("--rt-system", opt->rt_system,
                    "the RT system (an [rt.NAME] of rtchat.conf) the transcript goes to; needed "
                    "when several are configured");
    cmd->add_flag("--json", opt->json, "print the chat and link as JSON");
    cmd->callback([&ctx, opt] {
        proto::json args{{"user", opt->user}};
        if (!opt->email.empty())
            args["email"] = opt->email;
        if (opt->rt > 0)
            args["rt_ticket"] = opt->rt;
        if (!opt->rt_system.empty())
            args["rt_system"] = opt->rt_system;
        proto::json result = ctx.client().call("start", args);
        if (opt->json) {
            print_json(result);
            return;
        }
        const proto::json& chat = result["chat"];
        const proto::json& link = result["link"];
        std::cout << "Chat " << chat.value("id", int64_t{0}) << " started for "
                  << terminal_safe(chat.value("user", "?"));
        if (chat["rt_ticket"].is_number_integer())
            std::cout << " (RT #" << chat["rt_ticket"].get<int64_t>() << ")";
        std::cout << ".\nGuest link, valid until " << local_time(link["expires_at"]) << ":\n  "
                  << link.value("url", "") << "\n";
    });
}

} // namespace rtchat::chatctl
