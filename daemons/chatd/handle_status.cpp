#include "handlers.hpp"

#include <chrono>

namespace rtchat::chatd {

proto::json handle_status(Call& call) {
    store::Stats stats = call.server.store().stats();
    proto::json by_state = proto::json::object();
    for (auto [state, count] : stats.chats_by_state)
        by_state[std::string(store::to_string(state))] = count;
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - call.server.started());
    const config::Config& cfg = call.server.config();
    return proto::json{
        {"version", RTCHAT_VERSION},
        {"pid", static_cast<int64_t>(getpid())},
        {"uptime_seconds", uptime.count()},
        {"config", cfg.source()},
        {"socket", cfg.get("chatd", "socket")},
        {"store", cfg.get("store", "path")},
        {"clients", call.server.client_count()},
        {"chats", std::move(by_state)},
        {"messages", stats.messages},
        {"live_guest_links", stats.live_guest_links},
        {"transcripts",
         {{"waiting", stats.transcripts_waiting},
          {"failed", stats.transcripts_failed},
          {"flagged", stats.transcripts_flagged}}},
        {"you",
         {{"name", call.client.name}, {"uid", call.client.peer.uid}, {"co", call.client.co}}},
    };
}

} // namespace rtchat::chatd
