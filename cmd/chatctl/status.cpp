#include "context.hpp"
#include "print.hpp"

#include <fmt/format.h>
#include <iostream>

namespace rtchat::chatctl {

void set_status_command(CLI::App& app, Context& ctx) {
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("status", "show chatd's state and the chats by state");
    cmd->add_flag("--json", *json, "print the status as JSON");
    cmd->callback([&ctx, json] {
        proto::json s = ctx.client().call("status");
        if (*json) {
            print_json(s);
            return;
        }
        std::cout << fmt::format("chatd {} (pid {}), up {}s\n", s.value("version", "?"),
                                 s.value("pid", int64_t{0}), s.value("uptime_seconds", int64_t{0}));
        std::cout << fmt::format("  config:  {}\n  socket:  {}\n  store:   {}\n  clients: {}\n",
                                 s.value("config", "?"), s.value("socket", "?"),
                                 s.value("store", "?"), s.value("clients", int64_t{0}));
        std::cout << "  chats:  ";
        if (s["chats"].empty())
            std::cout << " none";
        for (auto& [state, count] : s["chats"].items())
            std::cout << " " << state << "=" << count.get<int64_t>();
        std::cout << fmt::format("\n  messages: {}\n  live guest links: {}\n",
                                 s.value("messages", int64_t{0}),
                                 s.value("live_guest_links", int64_t{0}));
        const proto::json& t = s["transcripts"];
        const int64_t failed = t.value("failed", int64_t{0});
        const int64_t flagged = t.value("flagged", int64_t{0});
        std::cout << fmt::format("  transcripts: {} waiting, {} failed, {} flagged{}\n",
                                 t.value("waiting", int64_t{0}), failed, flagged,
                                 failed + flagged > 0 ? " (see chat2rt --status)" : "");
        std::cout << fmt::format("  you: {} (CO)\n", s["you"].value("name", "?"));
    });
}

} // namespace rtchat::chatctl
