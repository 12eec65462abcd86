#include "pass.hpp"

#include "log/log.hpp"
#include "rt/client.hpp"
#include "rt/delivery.hpp"
#include "rt/kerberos.hpp"
#include "rt/spool.hpp"
#include "transcript/transcript.hpp"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <sys/file.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace rtchat::chat2rt {
namespace {

constexpr std::string_view rt_prefix = "rt:";
constexpr std::string_view spool_prefix = "spool:";

// Held for a whole pass, whatever runs it (timer, service, a person); the
// lock sits beside the store, which chat2rt can always write.
class PassLock {
public:
    explicit PassLock(const std::string& store_path) {
        const std::string path = store_path + ".chat2rt-lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "open " + path);
        held_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
    }
    ~PassLock() { ::close(fd_); }
    PassLock(const PassLock&) = delete;
    PassLock& operator=(const PassLock&) = delete;
    bool held() const { return held_; }

private:
    int fd_ = -1;
    bool held_ = false;
};

struct Result {
    int64_t chat_id = 0;
    std::optional<rt::Outcome> outcome;
    std::optional<rt::FailureKind> failure;
    std::string error;
};

class Recorder {
public:
    Recorder(const config::Config& config, store::Store& store, PassResult& totals)
        : config_(config)
        , store_(store)
        , totals_(totals) {}

    void delivered(int64_t chat_id, const std::string& target, const rt::Outcome& out) {
        if (out.mailed_unconfirmed) {
            const int64_t wait = config_.get_duration("chat2rt", "retry_after").count() * 1000;
            store_.delivery_mailed(chat_id, store_.now() + wait);
            ++totals_.mailed;
            log::info("transcript_mailed",
                      {{"chat", chat_id}, {"target", target}, {"confirm_in_ms", wait}});
            return;
        }
        store_.delivery_succeeded(chat_id, out.ticket, out.flag);
        ++totals_.delivered;
        const std::string ticket = out.ticket ? std::to_string(*out.ticket) : "";
        log::info("transcript_delivered",
                  {{"chat", chat_id},
                   {"target", target},
                   {"ticket", ticket},
                   {"found_from_earlier_try", out.found_from_earlier_try ? "yes" : "no"}});
        if (!out.flag.empty()) {
            ++totals_.flagged;
            log::warning(
                "transcript_flagged",
                {{"chat", chat_id}, {"target", target}, {"ticket", ticket}, {"why", out.flag}});
        }
    }

    void failed(int64_t chat_id, const std::string& target, rt::FailureKind kind,
                const std::string& error, int64_t attempts) {
        if (kind == rt::FailureKind::permanent) {
            store_.delivery_failed(chat_id, error);
            ++totals_.failed;
            log::error("transcript_failed",
                       {{"chat", chat_id}, {"target", target}, {"error", error}});
            return;
        }
        const int64_t base = config_.get_duration("chat2rt", "retry_after").count() * 1000;
        const int64_t wait = std::min<int64_t>(
            base << std::min<int64_t>(std::max<int64_t>(attempts - 1, 0), 12), 3600 * 1000);
        store_.delivery_deferred(chat_id, error, store_.now() + wait);
        ++totals_.deferred;
        log::warning("transcript_deferred",
                     {{"chat", chat_id},
                      {"target", target},
                      {"error", error},
                      {"may_have_arrived", kind == rt::FailureKind::ambiguous ? "yes" : "no"},
                      {"retry_ms", wait}});
    }

private:
    const config::Config& config_;
    store::Store& store_;
    PassResult& totals_;
};

void deliver_to_spool(const std::string& dir, const store::Delivery& d, store::Store& store,
                      const transcript::Options& options, Recorder& recorder) {
    const store::Chat chat = store.get_chat(d.chat_id);
    const auto rendered =
        transcript::render(chat, store.messages(chat.id), d.marker, options, store.now());
    store.delivery_started(chat.id);
    const rt::SpoolResult r = rt::deliver_to_spool(dir, d.marker, rendered.message);
    recorder.delivered(chat.id, "spool", {std::nullopt, "", r == rt::SpoolResult::already_there});
}

// Delivers the jobs of one RT system, `concurrency` at a time; each worker
// thread has its own client, all share one sign-in. Results are recorded
// here, on the calling thread, as they come: the store is not shared.
void deliver_to_rt(const rt::System& system, const transcript::Options& options,
                   std::vector<rt::Job> jobs, int concurrency, store::Store& store,
                   Recorder& recorder) {
    const std::string target = std::string(rt_prefix) + system.name;
    if (system.auth == rt::Auth::negotiate && system.has_api()) {
        try {
            rt::acquire_kerberos_credentials(system.keytab, system.principal);
        } catch (const rt::Failure& e) {
            for (const rt::Job& job : jobs)
                recorder.failed(job.chat.id, target, e.kind(), e.what(), job.delivery.attempts + 1);
            return;
        }
    }
    // Counted before anything is sent, so that a crash mid-send is looked
    // for in RT next time instead of being sent twice.
    for (const rt::Job& job : jobs)
        store.delivery_started(job.chat.id);

    rt::Session session;
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Result> results;
    size_t next_job = 0;
    const int64_t now = store.now();
    const bool die_after_send = std::getenv("RTCHAT_TEST_DIE_AFTER_SEND") != nullptr;
    auto work = [&] {
        std::unique_ptr<rt::Client> client;
        for (;;) {
            size_t index;
            {
                std::lock_guard lock(mutex);
                if (next_job == jobs.size())
                    return;
                index = next_job++;
            }
            const rt::Job& job = jobs[index];
            Result result{job.chat.id, std::nullopt, std::nullopt, ""};
            try {
                if (!client)
                    client = rt::make_client(system, session);
                result.outcome = rt::deliver(*client, system, options, job, now);
                // Fault injection for the tests: die the way a SIGKILL or a
                // power cut would, between RT's answer and the store's record.
                if (die_after_send)
                    ::kill(::getpid(), SIGKILL);
            } catch (const rt::Failure& e) {
                result.failure = e.kind();
                result.error = e.what();
            } catch (const std::exception& e) {
                // A bug or a broken template: nothing was sent for sure only
                // if the client never got that far, so look next time.
                result.failure = rt::FailureKind::ambiguous;
                result.error = e.what();
            }
            std::lock_guard lock(mutex);
            results.push_back(std::move(result));
            ready.notify_one();
        }
    };
    std::vector<std::jthread> workers;
    const size_t count = std::min<size_t>(static_cast<size_t>(concurrency), jobs.size());
    for (size_t i = 0; i < count; ++i)
        workers.emplace_back(work);
    std::map<int64_t, int64_t> attempts;
    for (const rt::Job& job : jobs)
        attempts[job.chat.id] = job.delivery.attempts + 1;
    for (size_t recorded = 0; recorded < jobs.size(); ++recorded) {
        Result r;
        {
            std::unique_lock lock(mutex);
            ready.wait(lock, [&] { return !results.empty(); });
            r = std::move(results.front());
            results.pop_front();
        }
        if (r.outcome)
            recorder.delivered(r.chat_id, target, *r.outcome);
        else
            recorder.failed(r.chat_id, target, *r.failure, r.error, attempts[r.chat_id]);
    }
}

} // namespace

PassResult run_pass(const config::Config& config, const std::vector<rt::System>& systems,
                    store::Store& store) {
    PassResult result;
    PassLock lock(config.get("store", "path"));
    if (!lock.held()) {
        log::info("pass_skipped", {{"reason", "another chat2rt is running"}});
        return result;
    }
    // Where each chat goes is decided once, when it enters the outbox:
    // retries go there even if the configuration has moved on.
    result.enqueued = store.enqueue_ended_chats([&](const store::Chat& chat) {
        try {
            if (const rt::System* sys = rt::choose_system(systems, config, chat.rt_system))
                return sys->backend == rt::Backend::spool
                           ? std::string(spool_prefix) + sys->spool_dir
                           : std::string(rt_prefix) + sys->name;
            return std::string(spool_prefix) + config.get("chat2rt", "spool_dir");
        } catch (const config::ConfigError&) {
            // Decided at delivery, where the error is shown until fixed.
            return std::string(rt_prefix) + chat.rt_system;
        }
    });
    const auto due = store.due_deliveries();
    if (due.empty())
        return result;

    Recorder recorder(config, store, result);
    const std::string share_dir = config.get("web", "share_dir");
    std::map<std::string, std::vector<rt::Job>> by_system;
    std::optional<transcript::Options> spool_options;
    for (const store::Delivery& d : due) {
        try {
            if (d.target.starts_with(spool_prefix)) {
                if (!spool_options)
                    spool_options = transcript::load_options(
                        share_dir, config.get("chat2rt", "from"), config.get("chat2rt", "rtname"));
                deliver_to_spool(d.target.substr(spool_prefix.size()), d, store, *spool_options,
                                 recorder);
                continue;
            }
            const store::Chat chat = store.get_chat(d.chat_id);
            // An unnamed system is resolved now (see above); throws until it can be.
            const std::string name = d.target.substr(rt_prefix.size());
            const rt::System* sys = rt::choose_system(systems, config, name);
            if (!sys)
                throw config::ConfigError("no RT system is configured");
            if (sys->backend == rt::Backend::spool) {
                if (!spool_options)
                    spool_options = transcript::load_options(
                        share_dir, config.get("chat2rt", "from"), config.get("chat2rt", "rtname"));
                deliver_to_spool(sys->spool_dir, d, store, *spool_options, recorder);
                continue;
            }
            by_system[sys->name].push_back(rt::Job{chat, store.messages(chat.id), d});
        } catch (const std::exception& e) {
            // A folder that cannot be written or a configuration being fixed
            // may be fine later; the other transcripts still go out.
            recorder.failed(d.chat_id, d.target, rt::FailureKind::transient, e.what(),
                            d.attempts + 1);
        }
    }
    for (auto& [name, jobs] : by_system) {
        const rt::System& sys =
            *std::find_if(systems.begin(), systems.end(), [&](auto& s) { return s.name == name; });
        try {
            const transcript::Options options =
                transcript::load_options(share_dir, sys.from, sys.rtname);
            deliver_to_rt(sys, options, std::move(jobs),
                          static_cast<int>(config.get_int("chat2rt", "concurrency")), store,
                          recorder);
        } catch (const std::exception& e) {
            for (const rt::Job& job : jobs)
                recorder.failed(job.chat.id, "rt:" + name, rt::FailureKind::transient, e.what(),
                                job.delivery.attempts + 1);
        }
    }
    return result;
}

} // namespace rtchat::chat2rt
