#include "rt/delivery.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace rtchat::rt {
namespace {

Document render(const Job& job, const transcript::Options& options, int64_t now_ms,
                const std::string& flag) {
    const auto attached = transcript::render(job.chat, job.messages, job.delivery.marker, options,
                                             now_ms, {.log_attached = true, .flag = flag});
    const auto folded = transcript::render(job.chat, job.messages, job.delivery.marker, options,
                                           now_ms, {.log_attached = false, .flag = flag});
    Document doc;
    doc.subject = folded.subject;
    doc.body = attached.body;
    doc.log = attached.log;
    doc.log_filename = attached.log_filename;
    doc.folded_body = folded.body;
    doc.message = folded.message;
    doc.marker = job.delivery.marker;
    doc.chat_id = job.chat.id;
    doc.requestor = job.chat.user_email;
    return doc;
}

} // namespace

std::string ticket_mismatch(const System& system, const store::Chat& chat, const Ticket& ticket) {
    if (!system.queue_allowed(ticket.queue))
        return fmt::format("ticket {} is in queue {}, which may not receive transcripts", ticket.id,
                           ticket.queue);
    for (const Person& requestor : ticket.requestors)
        for (const std::string& known : {requestor.name, requestor.email})
            if (same_user(known, chat.user_email) || same_user(known, chat.user_name))
                return {};
    return fmt::format("{} is not among the requestors of ticket {}",
                       chat.user_email.empty() ? chat.user_name : chat.user_email, ticket.id);
}

Outcome deliver(Client& client, const System& system, const transcript::Options& options,
                const Job& job, int64_t now_ms) {
    const std::optional<int64_t> own_ticket = job.chat.rt_ticket;
    Document doc = render(job, options, now_ms, "");
    if (job.delivery.attempts > 0) {
        // An earlier try may have reached RT before chat2rt stopped or lost
        // the answer: look before sending again.
        if (auto found = client.find_transcript(doc, own_ticket)) {
            Outcome out{*found, "", true};
            if (own_ticket && *found != *own_ticket)
                out.flag = fmt::format("found in ticket {} from an earlier try, not in ticket {}",
                                       *found, *own_ticket);
            return out;
        }
        if (job.delivery.mailed_at) {
            // A mail server took it; RT files it (or refuses it) later, on
            // its own. Wait for it rather than mail it twice.
            const int64_t waited_s = (now_ms - *job.delivery.mailed_at) / 1000;
            if (waited_s < system.mail_confirm_timeout.count())
                throw Failure(FailureKind::transient,
                              fmt::format("mailed {}s ago; not filed in RT yet", waited_s));
            throw Failure(FailureKind::permanent,
                          fmt::format("mailed {}s ago, but RT has not filed it: RT may have "
                                      "refused it (see RT's log, or bounces to the From: address)",
                                      waited_s));
        }
    }
    // Mail with an API to look through is confirmed later; without one,
    // the mail server's yes is all there is.
    const bool confirm_later = system.backend == Backend::mail && client.can_look();
    if (!own_ticket) {
        const int64_t created = client.create_ticket(system.queue, doc, true);
        return {created ? std::optional<int64_t>(created) : std::nullopt, "", false, confirm_later};
    }
    std::string flag;
    if (client.can_look()) {
        const TicketLookup lookup = client.ticket(*own_ticket);
        flag = lookup.ticket ? ticket_mismatch(system, job.chat, *lookup.ticket) : lookup.why_not;
    }
    if (flag.empty()) {
        client.add_to_ticket(*own_ticket, doc, system.action);
        return {own_ticket, "", false, confirm_later};
    }
    doc = render(job, options, now_ms, flag);
    const int64_t created = client.create_ticket(system.fallback_queue, doc, false);
    return {created ? std::optional<int64_t>(created) : std::nullopt, flag, false, confirm_later};
}

} // namespace rtchat::rt
