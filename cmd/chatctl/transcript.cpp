#include "context.hpp"
#include "print.hpp"

#include <iostream>

namespace rtchat::chatctl {

void set_transcript_command(CLI::App& app, Context& ctx) {
    auto id = std::make_shared<int64_t>(0);
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "transcript", "show a chat's transcript as it goes to RT, and where it went");
    cmd->add_option("id", *id, "chat id")->required()->check(positive_id());
    cmd->add_flag("--json", *json, "print the transcript and its delivery as JSON");
    cmd->callback([&ctx, id, json] {
        proto::json result = ctx.client().call("transcript", {{"chat", *id}});
        if (*json) {
            print_json(result);
            return;
        }
        std::cout << "Subject: " << terminal_safe(result.value("subject", "")) << "\n";
        if (result.contains("delivery")) {
            const proto::json& d = result["delivery"];
            std::cout << "Delivery: " << d.value("state", "?") << " to "
                      << terminal_safe(d.value("target", "?"));
            if (d.contains("rt_ticket"))
                std::cout << ", ticket " << d["rt_ticket"].get<int64_t>();
            std::cout << "\n";
            if (d.contains("flag"))
                std::cout << "FLAGGED: " << terminal_safe(d.value("flag", "")) << "\n";
            if (d.contains("last_error"))
                std::cout << "Last error: " << terminal_safe(d.value("last_error", "")) << "\n";
        } else {
            std::cout << "Delivery: not yet (the chat is still open, or chat2rt has not run)\n";
        }
        std::cout << "\n" << terminal_safe(result.value("text", ""));
    });
}

} // namespace rtchat::chatctl
