#pragma once

#include "config/config.hpp"
#include "store/store.hpp"

namespace rtchat::chat2rt {

struct PassResult {
    int enqueued = 0;
    int delivered = 0;
    int deferred = 0;
    int failed = 0; ///< permanently, in this pass
};

/// One pass: every ended chat gets an outbox entry, and every delivery that
/// is due is tried once. A chat is marked delivered only after its target
/// has the transcript; a crash in between is found again by its marker.
PassResult run_pass(const config::Config& config, store::Store& store);

} // namespace rtchat::chat2rt
