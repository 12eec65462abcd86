#pragma once
// chatd's way to RT, for starting chats from tickets: the RT systems of
// rtchat.conf, and one worker thread that makes the (slow) requests so that
// the chat loop never waits on RT. Results come back through the loop.

#include "config/config.hpp"
#include "ipc/event_loop.hpp"
#include "rt/client.hpp"
#include "rt/system.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rtchat::chatd {

class RtAccess {
public:
    explicit RtAccess(ipc::EventLoop& loop);
    ~RtAccess();
    RtAccess(const RtAccess&) = delete;
    RtAccess& operator=(const RtAccess&) = delete;

    /// (Re)reads the [rt.NAME] sections; a broken one is logged and makes
    /// starting from RT fail with its reason, not chatd.
    void configure(const config::Config& config);

    /// The RT system a chat of `name` (empty: the default) belongs to, when
    /// it can read tickets; nullopt when chats there are started without RT.
    /// Throws proto::ProtocolError when the configuration cannot serve it.
    std::optional<rt::System> system_with_api(const std::string& name) const;

    /// Runs `work` with a signed-in client of `system` on the RT thread,
    /// then `done` on the loop thread with the error text ("" on success).
    void run(rt::System system, std::function<void(rt::Client&)> work,
             std::function<void(const std::string& error)> done);

private:
    void worker();
    rt::Session& session_for(const rt::System& system, uint64_t generation);

    ipc::EventLoop& loop_;
    std::vector<rt::System> systems_;
    std::unique_ptr<config::Config> config_; ///< for rt::choose_system
    uint64_t generation_ = 0;                ///< counts configure() calls
    // The worker thread's own: RT sessions, per system, of one generation.
    std::map<std::string, std::unique_ptr<rt::Session>> sessions_;
    uint64_t sessions_generation_ = 0;
    std::string config_error_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace rtchat::chatd
