// chat2rt: puts every finished chat's transcript where RT gets it, exactly
// once. Run once by a timer (--once) or as a service; --status shows the
// backlog and what failed.

#include "config/config.hpp"
#include "config/program.hpp"
#include "ipc/event_loop.hpp"
#include "ipc/signals.hpp"
#include "ipc/systemd.hpp"
#include "log/log.hpp"
#include "pass.hpp"
#include "rt/system.hpp"

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

int print_status(const config::Config& cfg, const std::vector<rt::System>& systems) {
    store::Store store = open_store(cfg);
    const auto pending = store.deliveries("pending");
    const auto failed = store.deliveries("failed");
    const auto flagged = store.flagged_deliveries();
    std::cout << fmt::format("chat2rt: {} transcript(s) waiting, {} failed, {} flagged\n",
                             pending.size(), failed.size(), flagged.size());
    if (systems.empty())
        std::cout << fmt::format("  no RT system configured: transcripts go to {}\n",
                                 cfg.get("chat2rt", "spool_dir"));
    for (const rt::System& sys : systems)
        std::cout << fmt::format("  RT system {}: {} {}\n", sys.name, rt::to_string(sys.backend),
                                 sys.has_api() ? sys.url : sys.smtp_url);
    for (const auto& d : pending)
        std::cout << fmt::format("  waiting  chat {:>5}  {}  attempts {}  {}\n", d.chat_id,
                                 d.target, d.attempts,
                                 d.last_error.empty() ? "not tried yet" : d.last_error);
    for (const auto& d : failed)
        std::cout << fmt::format("  FAILED   chat {:>5}  {}  {}\n", d.chat_id, d.target,
                                 d.last_error);
    for (const auto& d : flagged)
        std::cout << fmt::format("  FLAGGED  chat {:>5}  {}  in ticket {}: {}\n", d.chat_id,
                                 d.target, d.rt_ticket ? std::to_string(*d.rt_ticket) : "?",
                                 d.flag);
    return failed.empty() ? 0 : 1;
}

int retry(const config::Config& cfg, const std::string& which) {
    store::Store store = open_store(cfg);
    std::vector<int64_t> ids;
    if (which == "all") {
        for (const auto& d : store.deliveries("failed"))
            ids.push_back(d.chat_id);
    } else {
        try {
            ids.push_back(std::stoll(which));
        } catch (const std::exception&) {
            std::cerr << "chat2rt: --retry takes a chat number or 'all', not '" << which << "'\n";
            return 2;
        }
    }
    for (int64_t id : ids) {
        try {
            store.retry_failed_delivery(id);
        } catch (const store::NotFound& e) {
            std::cerr << "chat2rt: " << e.what() << "\n";
            return 2;
        }
        log::info("transcript_retry_requested", {{"chat", id}});
    }
    std::cout << fmt::format("{} transcript(s) will be tried again at the next run\n", ids.size());
    return 0;
}

int run_once(const config::Config& cfg, const std::vector<rt::System>& systems) {
    store::Store store = open_store(cfg);
    const chat2rt::PassResult r = chat2rt::run_pass(cfg, systems, store);
    log::info("pass_done", {{"enqueued", r.enqueued},
                            {"delivered", r.delivered},
                            {"flagged", r.flagged},
                            {"mailed", r.mailed},
                            {"deferred", r.deferred},
                            {"failed", r.failed}});
    return r.failed > 0 ? 1 : 0;
}

int run_service(const config::Config& cfg, const std::vector<rt::System>& systems) {
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
            chat2rt::run_pass(cfg, systems, store);
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
    std::string retry_which;
    return config::run_program(
        argc, argv,
        {"chat2rt", "chat2rt: transcripts of finished chats into RT, exactly once", 3,
         [&](CLI::App& app) {
             app.add_flag("--once", once, "one pass, then exit: 1 if a transcript failed for good");
             app.add_flag("--status", status,
                          "show waiting, failed and flagged transcripts; exit 1 if any failed");
             app.add_option("--retry", retry_which,
                            "send a failed transcript (a chat number, or 'all') again at the "
                            "next run");
         },
         [&](const config::Config& cfg, const std::string&) {
             // Secrets and contradictions are found before anything is sent.
             const std::vector<rt::System> systems = rt::load_systems(cfg);
             if (status)
                 return print_status(cfg, systems);
             if (!retry_which.empty())
                 return retry(cfg, retry_which);
             return once ? run_once(cfg, systems) : run_service(cfg, systems);
         },
         [](const config::Config& cfg) {
             rt::load_systems(cfg);
         }});
}
