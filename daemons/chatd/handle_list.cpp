#include "handlers.hpp"

#include "proto/chat_json.hpp"

namespace rtchat::chatd {

proto::json handle_list(Call& call) {
    proto::json chats = proto::json::array();
    for (const store::Chat& chat :
         call.server.store().list_chats(proto::optional_bool(call.body, "all"))) {
        proto::json c = proto::to_json(chat);
        c["user_presence"] = call.server.user_presence(chat.id);
        chats.push_back(std::move(c));
    }
    return proto::json{{"chats", std::move(chats)}};
}

} // namespace rtchat::chatd
