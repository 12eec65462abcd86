#include "handlers.hpp"
#include "validate.hpp"

#include "auth/token.hpp"
#include "log/log.hpp"
#include "proto/chat_json.hpp"

namespace rtchat::chatd {

proto::json issue_guest_link(Server& server, int64_t chat_id) {
    const config::Config& cfg = server.config();
    auth::MintedToken token = auth::mint_token();
    const int64_t expires_at =
        server.store().now() + cfg.get_duration("chatd", "link_ttl").count() * 1000;
    server.store().replace_guest_link(chat_id, token.hash, expires_at);
    std::string base = cfg.get("web", "base_url");
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return proto::json{{"url", base + "/c/" + token.token}, {"expires_at", expires_at}};
}

proto::json handle_start(Call& call) {
    store::NewChat chat;
    chat.user_name = checked_user_name(proto::require_string(call.body, "user"));
    chat.user_email = checked_email(proto::optional_string(call.body, "email"));
    chat.rt_ticket = proto::optional_int(call.body, "rt_ticket");
    chat.created_by = call.client.name;

    store::Chat created = call.server.store().create_chat(chat);
    proto::json link = issue_guest_link(call.server, created.id);
    log::info("chat_started",
              {{"chat", created.id},
               {"co", call.client.name},
               {"rt_ticket", created.rt_ticket ? std::to_string(*created.rt_ticket) : "-"}});
    proto::json chat_json = proto::to_json(created);
    call.server.publish(created.id, proto::event_line("chat", {{"chat", chat_json}}));
    return proto::json{{"chat", std::move(chat_json)}, {"link", std::move(link)}};
}

} // namespace rtchat::chatd
