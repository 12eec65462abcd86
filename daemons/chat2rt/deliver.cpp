#include "deliver.hpp"

#include "log/log.hpp"
#include "rt/spool.hpp"
#include "transcript/transcript.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <system_error>

namespace rtchat::chat2rt {
namespace {

std::string read_template(const config::Config& config) {
    const auto path =
        std::filesystem::path(config.get("web", "share_dir")) / "templates" / "transcript.txt";
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(
            fmt::format("cannot read the transcript template {}", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

PassResult run_pass(const config::Config& config, store::Store& store) {
    PassResult result;
    const std::string spool = config.get("chat2rt", "spool_dir");
    const std::string target = "spool:" + spool;
    result.enqueued = store.enqueue_ended_chats(target);
    const auto due = store.due_deliveries();
    if (due.empty())
        return result;

    transcript::Options options{read_template(config), config.get("chat2rt", "from"),
                                config.get("chat2rt", "rtname")};
    for (const store::Delivery& d : due) {
        const store::Chat chat = store.get_chat(d.chat_id);
        const auto rendered =
            transcript::render(chat, store.messages(chat.id), d.marker, options, store.now());
        try {
            const rt::SpoolResult r = rt::deliver_to_spool(spool, d.marker, rendered.message);
            store.delivery_succeeded(chat.id);
            ++result.delivered;
            log::info(
                "transcript_delivered",
                {{"chat", chat.id},
                 {"target", "spool"},
                 {"marker", d.marker},
                 {"found_from_earlier_try", r == rt::SpoolResult::already_there ? "yes" : "no"}});
        } catch (const std::system_error& e) {
            // A folder that cannot be written now may be writable later.
            const int64_t base = config.get_duration("chat2rt", "retry_after").count() * 1000;
            const int64_t wait =
                std::min<int64_t>(base << std::min<int64_t>(d.attempts, 12), 3600 * 1000);
            store.delivery_deferred(chat.id, e.what(), store.now() + wait);
            ++result.deferred;
            log::warning("transcript_deferred",
                         {{"chat", chat.id}, {"error", e.what()}, {"retry_ms", wait}});
        }
    }
    return result;
}

} // namespace rtchat::chat2rt
