#include "context.hpp"
#include "print.hpp"

#include <iostream>

namespace rtchat::chatctl {

void set_show_command(CLI::App& app, Context& ctx) {
    auto id = std::make_shared<int64_t>(0);
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("show", "show a chat and its messages");
    cmd->add_option("id", *id, "chat id")->required()->check(positive_id());
    cmd->add_flag("--json", *json, "print the chat and messages as JSON");
    cmd->callback([&ctx, id, json] {
        proto::json result = ctx.client().call("show", {{"chat", *id}});
        if (*json) {
            print_json(result);
            return;
        }
        std::cout << format_chat_header(result["chat"]);
        std::cout << "  user is: " << result.value("user_presence", "unknown") << "\n";
        const proto::json& messages = result["messages"];
        std::cout << "  messages: " << messages.size() << "\n";
        if (!messages.empty())
            std::cout << "\n";
        for (const proto::json& m : messages)
            std::cout << format_message(m) << "\n";
    });
}

} // namespace rtchat::chatctl
