// chat-webd: the web front end. One thread, one epoll loop: libmicrohttpd,
// the connection to chatd, signals and timers all run from it.

#include "app.hpp"
#include "config/program.hpp"
#include "ipc/signals.hpp"
#include "ipc/systemd.hpp"
#include "log/log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <iostream>

using namespace rtchat;

namespace {

int run(const config::Config& cfg) {
    ipc::EventLoop loop;
    webd::App app(cfg, loop);
    ipc::Signals signals(loop, [&](int signo) {
        if (signo == SIGHUP) {
            // Templates and limits are read at start; say so rather than half-reload.
            log::warning("reload_ignored", {{"reason", "restart chat-webd to apply changes"}});
            return;
        }
        log::info("stopping", {{"signal", sigabbrev_np(signo)}});
        ipc::notify_stopping();
        loop.stop();
    });
    ipc::start_watchdog(loop);
    app.start();
    log::info("started", {{"version", RTCHAT_VERSION}, {"config", cfg.source()}});
    ipc::notify_ready();
    loop.run();
    app.stop();
    log::info("stopped");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    return config::run_program(argc, argv,
                               {"chat-webd",
                                "chat-webd: rtchat's web pages for users and COs",
                                1,
                                {},
                                [](const config::Config& cfg, const std::string&) {
                                    return run(cfg);
                                }});
}
