#pragma once
// Where one transcript goes, and sending it there: the chat's own ticket
// when RT confirms that ticket exists, is in an allowed queue and has the
// chat's user among its requestors; otherwise a new, flagged ticket in the
// fallback queue. A transcript that may already be in RT from an earlier
// try is looked for (by its marker) before it is sent again.

#include "rt/client.hpp"
#include "store/store.hpp"
#include "transcript/transcript.hpp"

#include <optional>
#include <string>

namespace rtchat::rt {

struct Job {
    store::Chat chat;
    std::vector<store::Message> messages;
    store::Delivery delivery; ///< as it was before this try was counted
};

struct Outcome {
    std::optional<int64_t> ticket; ///< where it landed, when RT says (mail does not)
    std::string flag;              ///< why not in the chat's own ticket; empty if it is
    bool found_from_earlier_try = false;
    /// Handed to a mail server: to be confirmed by looking in RT later.
    bool mailed_unconfirmed = false;
};

/// Throws rt::Failure.
Outcome deliver(Client& client, const System& system, const transcript::Options& options,
                const Job& job, int64_t now_ms);

/// Why the ticket may not receive this chat's transcript; empty when it may.
std::string ticket_mismatch(const System& system, const store::Chat& chat, const Ticket& ticket);

} // namespace rtchat::rt
