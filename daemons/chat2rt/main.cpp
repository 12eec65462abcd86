// chat2rt: puts every finished chat's transcript where RT gets it, exactly
// once. Run once by a timer (--once) or as a service; --status shows the
// backlog and what failed.

#include "config/config.hpp"
#include "config/program.hpp"
#include "deliver.hpp"
#include "ipc/event_loop.hpp"
#include "ipc/signals.hpp"
#include "ipc/systemd.hpp"
#include "log/log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>

using namespace rtchat;

namespace {

store::Store open_store(const config::Config& cfg) {
    // chat2rt works on chatd's store; it never starts an empty one.
    if (!std::filesystem::exists(cfg.get("store", "path")))
        throw std::runtime_error(
            fmt::format("no store at {}; start chatd first, or give chat2rt the same [store] path",
                        cfg.get("store", "path")));
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
    ipc::notify_ready();
    pass();
    loop.run();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    bool once = false;
    bool status = false;
    return config::run_program(
        argc, argv,
        {"chat2rt", "chat2rt: transcripts of finished chats into RT, exactly once", 3,
         [&](CLI::App& app) {
             app.add_flag("--once", once, "one pass, then exit: 1 if a transcript failed for good");
             app.add_flag("--status", status,
                          "show waiting and failed transcripts; exit 1 if any failed");
         },
         [&](const config::Config& cfg, const std::string&) {
             if (status)
                 return print_status(cfg);
             return once ? run_once(cfg) : run_service(cfg);
         }});
}
