// chat2rt: puts every finished chat's transcript where RT gets it, exactly
// once. Run once by a timer (--once) or as a service; --status shows the
// backlog and what failed.

#include "config/cli.hpp"
#include "config/config.hpp"
#include "deliver.hpp"
#include "ipc/event_loop.hpp"
#include "ipc/signals.hpp"
#include "log/log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <iostream>
#include <systemd/sd-daemon.h>

using namespace rtchat;

namespace {

store::Store open_store(const config::Config& cfg) {
    return store::Store(cfg.get("store", "path"), cfg.get("store", "synchronous") == "normal"
                                                      ? store::Synchronous::normal
                                                      : store::Synchronous::full);
}

int print_status(const config::Config& cfg) {
    store::Store store = open_store(cfg);
    const auto pending = store.deliveries("pending");
    const auto failed = store.deliveries("failed");
    std::cout << fmt::format("chat2rt: {} transcript(s) waiting, {} failed\n", pending.size(),
                             failed.size());
    for (const auto& d : pending)
        std::cout << fmt::format("  waiting  chat {:>5}  attempts {}  {}\n", d.chat_id, d.attempts,
                                 d.last_error.empty() ? "not tried yet" : d.last_error);
    for (const auto& d : failed)
        std::cout << fmt::format("  FAILED   chat {:>5}  {}\n", d.chat_id, d.last_error);
    return failed.empty() ? 0 : 1;
}

int run_once(const config::Config& cfg) {
    store::Store store = open_store(cfg);
    const chat2rt::PassResult r = chat2rt::run_pass(cfg, store);
    log::info("pass_done", {{"enqueued", r.enqueued},
                            {"delivered", r.delivered},
                            {"deferred", r.deferred},
                            {"failed", r.failed}});
    return r.failed > 0 ? 1 : 0;
}

int run_service(const config::Config& cfg) {
    store::Store store = open_store(cfg);
    ipc::EventLoop loop;
    ipc::Signals signals(loop, [&](int signo) {
        if (signo == SIGHUP)
            return;
        log::info("stopping", {{"signal", sigabbrev_np(signo)}});
        loop.stop();
    });
    auto pass = [&] {
        try {
            chat2rt::run_pass(cfg, store);
        } catch (const std::exception& e) {
            log::error("pass_failed", {{"error", e.what()}});
        }
    };
    loop.every(std::chrono::duration_cast<std::chrono::milliseconds>(
                   cfg.get_duration("chat2rt", "interval")),
               pass);
    sd_notify(0, "READY=1");
    pass();
    loop.run();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    log::set_component("chat2rt");
    CLI::App app{"chat2rt: transcripts of finished chats into RT, exactly once"};
    std::string config_path;
    bool once = false;
    bool status = false;
    config::add_config_option(app, config_path);
    app.add_flag("--once", once, "one pass, then exit: 1 if a transcript failed for good");
    app.add_flag("--status", status, "show waiting and failed transcripts; exit 1 if any failed");
    app.set_version_flag("--version", RTCHAT_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        config::Config cfg = config::Config::load(config_path);
        log::set_level(log::parse_level(cfg.get("log", "level")));
        if (status)
            return print_status(cfg);
        return once ? run_once(cfg) : run_service(cfg);
    } catch (const config::ConfigError& e) {
        std::cerr << "chat2rt: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        log::error("fatal", {{"error", e.what()}});
        std::cerr << "chat2rt: " << e.what() << "\n";
        return 3;
    }
}
