#include "handlers.hpp"

#include "transcript/transcript.hpp"

namespace rtchat::chatd {

// The transcript as chat2rt will render it (log quoted, as mailed), for a
// CO to read before or after it goes; and where it went, once it did.
proto::json handle_transcript(Call& call) {
    const int64_t chat_id = proto::require_id(call.body, "chat");
    store::Store& store = call.server.store();
    const config::Config& config = call.server.config();
    const store::Chat chat = store.get_chat(chat_id);
    const std::optional<store::Delivery> delivery = store.delivery_of(chat_id);
    const transcript::Options options =
        transcript::load_options(config.get("web", "share_dir"), config.get("chat2rt", "from"),
                                 config.get("chat2rt", "rtname"));
    const transcript::Rendered r = transcript::render(
        chat, store.messages(chat_id),
        delivery ? delivery->marker : std::string("(marker not yet given)"), options, store.now());
    proto::json out{{"chat", chat_id}, {"subject", r.subject}, {"text", r.body}};
    if (delivery) {
        proto::json d{{"state", delivery->state},
                      {"target", delivery->target},
                      {"attempts", delivery->attempts},
                      {"marker", delivery->marker}};
        if (!delivery->last_error.empty())
            d["last_error"] = delivery->last_error;
        if (delivery->rt_ticket)
            d["rt_ticket"] = *delivery->rt_ticket;
        if (!delivery->flag.empty())
            d["flag"] = delivery->flag;
        out["delivery"] = std::move(d);
    }
    return out;
}

} // namespace rtchat::chatd
