#include "deliver.hpp"

#include "log/log.hpp"
#include "rt/spool.hpp"
#include "transcript/transcript.hpp"

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <system_error>
#include <unistd.h>

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
    // One pass at a time, whatever runs it (timer, service, a person); the
    // lock sits beside the store, which chat2rt can always write.
    const std::string lock_path = config.get("store", "path") + ".chat2rt-lock";
    const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0)
        throw std::system_error(errno, std::generic_category(), "open " + lock_path);
    if (::flock(lock, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock);
        log::info("pass_skipped", {{"reason", "another chat2rt is running"}});
        return result;
    }
    struct Unlock {
        int fd;
        ~Unlock() { ::close(fd); }
    } unlock{lock};
    result.enqueued = store.enqueue_ended_chats(target);
    const auto due = store.due_deliveries();
    if (due.empty())
        return result;

    transcript::Options options{read_template(config), config.get("chat2rt", "from"),
                                config.get("chat2rt", "rtname")};
    for (const store::Delivery& d : due) {
        const store::Chat chat = store.get_chat(d.chat_id);
        try {
            const auto rendered =
                transcript::render(chat, store.messages(chat.id), d.marker, options, store.now());
            // Retries go where the first try went, even if the configuration moved on.
            const std::string dir = d.target.starts_with("spool:") ? d.target.substr(6) : spool;
            const rt::SpoolResult r = rt::deliver_to_spool(dir, d.marker, rendered.message);
            store.delivery_succeeded(chat.id);
            ++result.delivered;
            log::info(
                "transcript_delivered",
                {{"chat", chat.id},
                 {"target", "spool"},
                 {"marker", d.marker},
                 {"found_from_earlier_try", r == rt::SpoolResult::already_there ? "yes" : "no"}});
        } catch (const std::exception& e) {
            // Whatever went wrong with this one, the others still go out.
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
