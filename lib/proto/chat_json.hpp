#pragma once
// The JSON shape of chats and messages, shared by chatd and its clients.

#include "proto/protocol.hpp"
#include "store/store.hpp"

namespace rtchat::proto {

json to_json(const store::Chat& chat);
/// A chat as its user may see it: who they talk to, not the ticket, the
/// address or the summary.
json to_user_json(const store::Chat& chat);
json to_json(const store::Message& message);

} // namespace rtchat::proto
