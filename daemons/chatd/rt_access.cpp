#include "rt_access.hpp"

#include "log/log.hpp"
#include "proto/protocol.hpp"
#include "rt/failure.hpp"
#include "rt/http.hpp"
#include "rt/kerberos.hpp"

#include <csignal>
#include <fmt/format.h>
#include <pthread.h>

namespace rtchat::chatd {

RtAccess::RtAccess(ipc::EventLoop& loop)
    : loop_(loop) {
    // Signals are the loop's (a signalfd): the worker starts with all of
    // them blocked, or a SIGTERM could land on it and kill chatd outright.
    sigset_t all;
    sigset_t before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    thread_ = std::thread([this] { worker(); });
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

RtAccess::~RtAccess() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void RtAccess::configure(const config::Config& config) {
    try {
        systems_ = rt::load_systems(config);
        ++generation_; // the worker signs in afresh with the new settings
        config_ = std::make_unique<config::Config>(config);
        config_error_.clear();
    } catch (const std::exception& e) {
        systems_.clear();
        config_error_ = e.what();
        log::error("rt_config_unusable", {{"error", config_error_}});
    }
}

std::optional<rt::System> RtAccess::system_with_api(const std::string& name) const {
    if (!config_error_.empty())
        throw proto::ProtocolError(proto::ErrorCode::unavailable,
                                   "chatd cannot use the RT configuration: " + config_error_);
    const rt::System* found = nullptr;
    try {
        found = rt::choose_system(systems_, *config_, name);
    } catch (const config::ConfigError& e) {
        throw proto::ProtocolError(proto::ErrorCode::bad_request, e.what());
    }
    if (!found || !found->has_api())
        return std::nullopt;
    return *found;
}

void RtAccess::run(rt::System system, std::function<void(rt::Client&)> work,
                   std::function<void(const std::string& error)> done) {
    const uint64_t generation = generation_;
    auto job = [this, generation, system = std::move(system), work = std::move(work),
                done = std::move(done)]() mutable {
        std::string error;
        try {
            if (system.auth == rt::Auth::negotiate)
                rt::acquire_kerberos_credentials(system.keytab, system.principal);
            auto client = rt::make_client(system, session_for(system, generation));
            work(*client);
        } catch (const std::exception& e) {
            error = e.what();
        }
        loop_.post([done = std::move(done), error] { done(error); });
    };
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

rt::Session& RtAccess::session_for(const rt::System& system, uint64_t generation) {
    // Worker thread only. RT checks a password or token in ~0.3 s and a
    // session cookie in ~25 ms: one sign-in serves every request to a system
    // until the configuration changes.
    if (generation != sessions_generation_) {
        sessions_.clear();
        sessions_generation_ = generation;
    }
    auto& session = sessions_[system.name];
    if (!session)
        session = std::make_unique<rt::Session>();
    return *session;
}

void RtAccess::worker() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_)
                return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

} // namespace rtchat::chatd
