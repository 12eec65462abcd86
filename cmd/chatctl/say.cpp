#include "context.hpp"
#include "print.hpp"

namespace rtchat::chatctl {

void set_say_command(CLI::App& app, Context& ctx) {
    struct Options {
        int64_t id = 0;
        std::vector<std::string> words;
        bool json = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("say", "send a message to a chat as yourself");
    cmd->add_option("id", opt->id, "chat id")->required()->check(positive_id());
    cmd->add_option("text", opt->words, "the message (several words are joined with spaces)")
        ->required();
    cmd->add_flag("--json", opt->json, "print the stored message as JSON");
    cmd->callback([&ctx, opt] {
        std::string text;
        for (const std::string& w : opt->words)
            text += (text.empty() ? "" : " ") + w;
        // Exit status 0 means chatd has the message stored.
        proto::json result = ctx.client().call("say", {{"chat", opt->id}, {"text", text}});
        if (opt->json)
            print_json(result);
    });
}

} // namespace rtchat::chatctl
