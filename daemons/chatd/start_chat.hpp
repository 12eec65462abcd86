#pragma once
// The one way a chat comes to be: created with its first way in (a guest
// link, or the signed-in /my/ page), then announced to followers. chatctl
// start, start from an RT ticket and XMPP's start all end here.

#include "guest_link.hpp"
#include "store/store.hpp"

#include <string>

namespace rtchat::chatd {

class Server;

struct StartedChat {
    store::Chat chat;
    GuestLink link; ///< a guest link, or the /my/ address (no hash) for a signed-in user
};

/// Creates `chat` (checked already) with a new guest link, or with none when
/// the user signs in (`by_login`), tells followers, and logs chat_started
/// (`via`: how it was asked for, or empty).
StartedChat start_chat(Server& server, store::NewChat chat, bool by_login = false,
                       const std::string& via = {});

} // namespace rtchat::chatd
