#include "context.hpp"
#include "print.hpp"

#include <iostream>

namespace rtchat::chatctl {

void set_close_command(CLI::App& app, Context& ctx) {
    struct Options {
        int64_t id = 0;
        std::string summary;
        bool json = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("close", "end a chat; its transcript then goes to RT");
    cmd->add_option("id", opt->id, "chat id")->required()->check(positive_id());
    cmd->add_option("-s,--summary", opt->summary, "a summary for the head of the transcript in RT");
    cmd->add_flag("--json", opt->json, "print the closed chat as JSON");
    cmd->callback([&ctx, opt] {
        proto::json result =
            ctx.client().call("close", {{"chat", opt->id}, {"summary", opt->summary}});
        if (opt->json) {
            print_json(result);
            return;
        }
        const int64_t count = result["chat"].value("messages", int64_t{0});
        std::cout << "Chat " << opt->id << " closed (" << count
                  << (count == 1 ? " message).\n" : " messages).\n");
    });
}

} // namespace rtchat::chatctl
