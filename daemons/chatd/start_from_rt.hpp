#pragma once

#include "handlers.hpp"
#include "rt/system.hpp"

namespace rtchat::chatd {

/// `chatctl start --rt N` with an RT system that has an API: reads ticket
/// N, picks the requestor the chat is for, creates the chat and shares its
/// link through RT (a correspondence on N) unless told not to; answers
/// when all that is done. Defers the call.
void start_from_rt(Call& call, const rt::System& system, int64_t ticket);

/// Reads ticket N for a CO who is about to start a chat from it (the
/// console's confirmation page): its facts and requestors. Defers the call.
void read_ticket(Call& call, const rt::System& system, int64_t ticket);

/// The requestor a chat is for: the one matching `user` or `email` when
/// given, else the only one. Throws proto::ProtocolError listing the
/// choices.
rt::Person choose_requestor(const rt::Ticket& ticket, const std::string& user,
                            const std::string& email);

} // namespace rtchat::chatd
