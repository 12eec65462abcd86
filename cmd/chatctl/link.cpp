#include "context.hpp"
#include "print.hpp"

#include <iostream>

namespace rtchat::chatctl {

void set_link_command(CLI::App& app, Context& ctx) {
    auto id = std::make_shared<int64_t>(0);
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "link", "print a new guest link for a chat (the previous link stops working)");
    cmd->add_option("id", *id, "chat id")->required()->check(positive_id());
    cmd->add_flag("--json", *json, "print the link as JSON");
    cmd->callback([&ctx, id, json] {
        proto::json result = ctx.client().call("link", {{"chat", *id}});
        if (*json) {
            print_json(result);
            return;
        }
        std::cout << result["link"].value("url", "") << "\n";
        std::cerr << "valid until " << local_time(result["link"]["expires_at"])
                  << "; earlier links for chat " << *id << " no longer work\n";
    });
}

} // namespace rtchat::chatctl
