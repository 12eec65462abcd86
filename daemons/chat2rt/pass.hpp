#pragma once

#include "config/config.hpp"
#include "rt/system.hpp"
#include "store/store.hpp"

#include <vector>

namespace rtchat::chat2rt {

struct PassResult {
    int enqueued = 0;
    int delivered = 0;
    int flagged = 0; ///< delivered, but not into the chat's own ticket
    int mailed = 0;  ///< handed to a mail server, to be confirmed in RT later
    int deferred = 0;
    int failed = 0; ///< permanently, in this pass
};

/// One pass: every ended chat gets an outbox entry naming where it goes
/// (an RT system or the spool), and every delivery that is due is tried
/// once, several at a time. A chat is marked delivered only after its
/// target confirmed it; a crash in between is found again by its marker.
PassResult run_pass(const config::Config& config, const std::vector<rt::System>& systems,
                    store::Store& store);

} // namespace rtchat::chat2rt
