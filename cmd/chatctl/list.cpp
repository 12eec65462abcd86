#include "context.hpp"
#include "print.hpp"

#include <fmt/format.h>
#include <iostream>

namespace rtchat::chatctl {

void set_list_command(CLI::App& app, Context& ctx) {
    auto all = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("list", "list open chats");
    cmd->add_flag("-a,--all", *all, "include ended chats not yet purged");
    cmd->add_flag("--json", *json, "print the chats as JSON");
    cmd->callback([&ctx, all, json] {
        proto::json result = ctx.client().call("list", {{"all", *all}});
        if (*json) {
            print_json(result);
            return;
        }
        const proto::json& chats = result["chats"];
        if (chats.empty()) {
            std::cout << (*all ? "No chats.\n" : "No open chats.\n");
            return;
        }
        std::cout << fmt::format("{:>6}  {:<10}  {:<20}  {:>8}  {:>5}  {:<17}  {}\n", "ID", "STATE",
                                 "USER", "TICKET", "MSGS", "LAST ACTIVITY", "CO");
        for (const proto::json& c : chats) {
            std::string ticket = c["rt_ticket"].is_number_integer()
                                     ? fmt::format("#{}", c["rt_ticket"].get<int64_t>())
                                     : "-";
            proto::json last =
                c["last_message_at"].is_null() ? c["updated_at"] : c["last_message_at"];
            std::cout << fmt::format(
                "{:>6}  {:<10}  {:<20}  {:>8}  {:>5}  {:<17}  {}\n", c.value("id", int64_t{0}),
                c.value("state", "?"), terminal_safe(c.value("user", "?")), ticket,
                c.value("messages", int64_t{0}), local_time(last).substr(0, 16),
                terminal_safe(c.value("created_by", "?")));
        }
    });
}

} // namespace rtchat::chatctl
