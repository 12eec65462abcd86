// chat-webd: the web front end. One thread, one epoll loop: libmicrohttpd,
// the connection to chatd, signals and timers all run from it.

#include "app.hpp"
#include "config/cli.hpp"
#include "ipc/signals.hpp"
#include "log/log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <iostream>
#include <systemd/sd-daemon.h>

using namespace rtchat;

namespace {

int run(const std::string& config_path) {
    config::Config cfg = config::Config::load(config_path);
    log::set_level(log::parse_level(cfg.get("log", "level")));
    ipc::EventLoop loop;
    webd::App app(cfg, loop);
    ipc::Signals signals(loop, [&](int signo) {
        if (signo == SIGHUP) {
            // Templates and limits are read at start; say so rather than half-reload.
            log::warning("reload_ignored", {{"reason", "restart chat-webd to apply changes"}});
            return;
        }
        log::info("stopping", {{"signal", sigabbrev_np(signo)}});
        sd_notify(0, "STOPPING=1");
        loop.stop();
    });
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0)
        loop.every(std::chrono::milliseconds(watchdog_usec / 2000),
                   [] { sd_notify(0, "WATCHDOG=1"); });
    app.start();
    log::info("started", {{"version", RTCHAT_VERSION}, {"config", cfg.source()}});
    sd_notify(0, "READY=1");
    loop.run();
    app.stop();
    log::info("stopped");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    log::set_component("chat-webd");
    CLI::App cli{"chat-webd: rtchat's web pages for users and COs"};
    std::string config_path;
    bool check_only = false;
    config::add_config_option(cli, config_path);
    cli.add_flag("--check-config", check_only, "check the configuration file and exit");
    cli.set_version_flag("--version", RTCHAT_VERSION);
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    try {
        if (check_only) {
            config::Config cfg = config::Config::load(config_path);
            std::cout << "configuration OK: " << cfg.source() << "\n";
            return 0;
        }
        return run(config_path);
    } catch (const config::ConfigError& e) {
        std::cerr << "chat-webd: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        log::error("fatal", {{"error", e.what()}});
        std::cerr << "chat-webd: " << e.what() << "\n";
        return 1;
    }
}
