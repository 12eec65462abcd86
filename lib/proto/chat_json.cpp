#include "proto/chat_json.hpp"

namespace rtchat::proto {
namespace {

json optional(const std::optional<int64_t>& v) {
    return v ? json(*v) : json(nullptr);
}

} // namespace

json to_json(const store::Chat& c) {
    return json{
        {"id", c.id},
        {"state", store::to_string(c.state)},
        {"user", c.user_name},
        {"email", c.user_email},
        {"rt_ticket", optional(c.rt_ticket)},
        {"rt_system", c.rt_system},
        {"rt",
         {{"subject", c.rt.subject},
          {"queue", c.rt.queue},
          {"status", c.rt.status},
          {"url", c.rt.url}}},
        {"created_by", c.created_by},
        {"co", c.co},
        {"created_at", c.created_at},
        {"updated_at", c.updated_at},
        {"closed_at", optional(c.closed_at)},
        {"closed_by", c.closed_by},
        {"summary", c.summary},
        {"end_reason", c.end_reason},
        {"messages", c.message_count},
        {"last_message_at", optional(c.last_message_at)},
    };
}

json to_user_json(const store::Chat& c) {
    return json{{"id", c.id},
                {"state", store::to_string(c.state)},
                {"user", c.user_name},
                {"co", c.co},
                {"created_at", c.created_at}};
}

json to_json(const store::Message& m) {
    return json{{"id", m.id},         {"chat", m.chat_id},
                {"author", m.author}, {"role", store::to_string(m.role)},
                {"body", m.body},     {"at", m.at}};
}

} // namespace rtchat::proto
