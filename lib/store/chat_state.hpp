#pragma once
// The chat life cycle, in one place:
//
//   invited ──► active ──► closed ──► delivering ──► delivered ──► purged
//      │          │                    ▲    │
//      │          └──► abandoned ──────┘    ▼
//      └────────────────► (closed, abandoned)  failed ──► delivering (retry)
//
// Messages are accepted only while a chat is invited or active.

#include <optional>
#include <stdexcept>
#include <string_view>

namespace rtchat::store {

enum class ChatState { invited, active, closed, abandoned, delivering, delivered, failed, purged };

std::string_view to_string(ChatState state);
std::optional<ChatState> parse_state(std::string_view name);

/// True when the life cycle allows going from `from` to `to`.
bool can_transition(ChatState from, ChatState to);
/// True while participants may still write.
bool accepts_messages(ChatState state);
/// True while the chat is still being talked in (not yet ended).
bool is_open(ChatState state);

} // namespace rtchat::store
