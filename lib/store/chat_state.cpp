#include "store/chat_state.hpp"

#include <array>
#include <utility>

namespace rtchat::store {
namespace {

constexpr std::array names{
    std::pair{ChatState::invited, std::string_view{"invited"}},
    std::pair{ChatState::active, std::string_view{"active"}},
    std::pair{ChatState::closed, std::string_view{"closed"}},
    std::pair{ChatState::abandoned, std::string_view{"abandoned"}},
    std::pair{ChatState::delivering, std::string_view{"delivering"}},
    std::pair{ChatState::delivered, std::string_view{"delivered"}},
    std::pair{ChatState::failed, std::string_view{"failed"}},
    std::pair{ChatState::purged, std::string_view{"purged"}},
};

} // namespace

std::string_view to_string(ChatState state) {
    for (auto [s, name] : names)
        if (s == state)
            return name;
    return "unknown";
}

std::optional<ChatState> parse_state(std::string_view name) {
    for (auto [s, n] : names)
        if (n == name)
            return s;
    return std::nullopt;
}

bool can_transition(ChatState from, ChatState to) {
    using enum ChatState;
    switch (from) {
    case invited:
        return to == active || to == closed || to == abandoned;
    case active:
        return to == closed || to == abandoned;
    case closed:
    case abandoned:
        return to == delivering;
    case delivering:
        return to == delivered || to == failed;
    case failed:
        // A failed delivery is retried only when someone asks; never purged
        // before RT has the transcript.
        return to == delivering;
    case delivered:
        return to == purged;
    case purged:
        return false;
    }
    return false;
}

bool accepts_messages(ChatState state) {
    return state == ChatState::invited || state == ChatState::active;
}

bool is_open(ChatState state) {
    return accepts_messages(state);
}

} // namespace rtchat::store
