// chatctl: the CO's command line for rtchat. Each subcommand lives in its own
// file and talks to chatd over its socket; exit codes are in context.hpp.

#include "config/cli.hpp"
#include "context.hpp"
#include "print.hpp"

#include <iostream>

using namespace rtchat;
using namespace rtchat::chatctl;

int main(int argc, char** argv) {
    CLI::App app{"chatctl: start, follow and close rtchat chats"};
    app.require_subcommand(1);
    app.set_version_flag("--version", RTCHAT_VERSION);
    Context ctx;
    config::add_config_option(app, ctx.config_path);
    set_start_command(app, ctx);
    set_list_command(app, ctx);
    set_show_command(app, ctx);
    set_transcript_command(app, ctx);
    set_say_command(app, ctx);
    set_join_command(app, ctx);
    set_close_command(app, ctx);
    set_link_command(app, ctx);
    set_status_command(app, ctx);
    try {
        app.parse(argc, argv);
        return ctx.exit_code;
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    } catch (const config::ConfigError& e) {
        std::cerr << "chatctl: " << terminal_safe(e.what()) << "\n";
        return exit_usage;
    } catch (const ipc::ConnectError& e) {
        std::cerr << "chatctl: " << terminal_safe(e.what()) << "\n";
        return exit_unreachable;
    } catch (const ipc::RemoteError& e) {
        std::cerr << "chatctl: " << terminal_safe(e.what()) << "\n";
        return exit_code_for(e.code());
    } catch (const proto::ProtocolError& e) {
        std::cerr << "chatctl: " << terminal_safe(e.what()) << "\n";
        return exit_code_for(e.code());
    } catch (const std::exception& e) {
        std::cerr << "chatctl: " << terminal_safe(e.what()) << "\n";
        return exit_failure;
    }
}
