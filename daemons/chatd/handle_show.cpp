#include "handlers.hpp"

#include "proto/chat_json.hpp"

namespace rtchat::chatd {

proto::json handle_show(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    store::Store& store = call.server.store();
    proto::json chat = proto::to_json(store.get_chat(chat_id));
    proto::json messages = proto::json::array();
    for (const store::Message& m : store.messages(chat_id))
        messages.push_back(proto::to_json(m));
    return proto::json{{"chat", std::move(chat)},
                       {"messages", std::move(messages)},
                       {"user_presence", call.server.user_presence(chat_id)}};
}

} // namespace rtchat::chatd
