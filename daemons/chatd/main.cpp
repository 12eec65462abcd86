// chatd: the chat engine. One thread, one epoll loop: the socket server,
// signals (signalfd) and the systemd watchdog all run from it.

#include "config/config.hpp"
#include "config/program.hpp"
#include "ipc/event_loop.hpp"
#include "ipc/signals.hpp"
#include "ipc/systemd.hpp"
#include "log/log.hpp"
#include "server.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sys/epoll.h>
#include <unistd.h>

using namespace rtchat;

namespace {

// "full" is kept by syncing before each reply, not inside each commit: see
// Server::reply.
store::Synchronous synchronous_mode(const config::Config& cfg) {
    return cfg.get("store", "synchronous") == "normal" ? store::Synchronous::normal
                                                       : store::Synchronous::deferred;
}

int run(const config::Config& cfg, const std::string& config_path) {

    const std::filesystem::path db_path = cfg.get("store", "path");
    if (db_path.has_parent_path())
        std::filesystem::create_directories(db_path.parent_path());
    store::Store store(db_path.string(), synchronous_mode(cfg));

    ipc::EventLoop loop;
    chatd::Server server(cfg, store, loop);

    ipc::Signals signals(loop, [&](int signo) {
        if (signo == SIGHUP) {
            try {
                config::Config fresh = config::Config::load(config_path);
                log::set_level(log::parse_level(fresh.get("log", "level")));
                server.reload(fresh);
            } catch (const std::exception& e) {
                log::error("config_reload_failed", {{"error", e.what()}});
            }
            return;
        }
        log::info("stopping", {{"signal", sigabbrev_np(signo)}});
        ipc::notify_stopping();
        loop.stop();
    });

    ipc::start_watchdog(loop);

    server.listen();
    server.start_xmpp();
    log::info("started", {{"version", RTCHAT_VERSION},
                          {"config", cfg.source()},
                          {"store", db_path.string()},
                          {"socket", cfg.get("chatd", "socket")}});
    ipc::notify_ready();
    loop.run();
    server.shutdown();
    log::info("stopped");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    return config::run_program(argc, argv,
                               {"chatd",
                                "chatd: the rtchat chat engine",
                                1,
                                {},
                                [](const config::Config& cfg, const std::string& path) {
                                    return run(cfg, path);
                                }});
}
