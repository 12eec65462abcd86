#pragma once
// What every chatctl subcommand shares: the configuration, the connection
// to chatd, and the exit codes documented in chatctl(1).

#include "config/config.hpp"
#include "ipc/client.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace rtchat::chatctl {

enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,        ///< chatd failed in a way not listed below
    exit_usage = 2,          ///< bad options or arguments, or a bad configuration
    exit_unreachable = 3,    ///< chatd is not running, or its socket cannot be used
    exit_not_authorised = 4, ///< chatd refused: not a CO
    exit_not_found = 5,      ///< no such chat
    exit_invalid_state = 6,  ///< the chat's state forbids it (e.g. already closed)
    exit_bad_input = 7,      ///< chatd refused the input (too large, invalid UTF-8, ...)
};

/// Accepts chat ids and ticket numbers: whole numbers from 1.
const CLI::Validator& positive_id();

/// Maps chatd's error codes to exit codes.
int exit_code_for(proto::ErrorCode code);

class Context {
public:
    std::string config_path;
    int exit_code = exit_ok;

    const config::Config& config();
    ipc::Client& client();

private:
    std::unique_ptr<config::Config> config_;
    std::unique_ptr<ipc::Client> client_;
};

void set_start_command(CLI::App& app, Context& ctx);
void set_list_command(CLI::App& app, Context& ctx);
void set_show_command(CLI::App& app, Context& ctx);
void set_transcript_command(CLI::App& app, Context& ctx);
void set_say_command(CLI::App& app, Context& ctx);
void set_join_command(CLI::App& app, Context& ctx);
void set_close_command(CLI::App& app, Context& ctx);
void set_link_command(CLI::App& app, Context& ctx);
void set_status_command(CLI::App& app, Context& ctx);

} // namespace rtchat::chatctl
