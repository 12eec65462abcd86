#pragma once

#include "handlers.hpp"
#include "rt/system.hpp"

namespace rtchat::chatd {

/// Who starts a chat from a ticket, and for which of its requestors.
struct StartFromRt {
    std::string user;  ///< the requestor's name, or empty
    std::string email; ///< or their address, or empty: the only requestor
    std::string co;    ///< the CO starting it
    bool send = true;  ///< share the link as the RT system says
};

/// Gets the result of a start from RT once (on the loop): `make` returns
/// it, or throws the error a CO should see.
using StartDone = std::function<void(const std::function<proto::json()>& make)>;

/// `chatctl start --rt N` with an RT system that has an API: reads ticket
/// N, picks the requestor the chat is for, creates the chat and shares its
/// link through RT (a correspondence on N) unless told not to; calls `done`
/// when all that is done. The same for chatctl, the console and XMPP.
void start_from_rt(Server& server, const rt::System& system, int64_t ticket, StartFromRt req,
                   StartDone done);

/// start_from_rt for a request on chatd's socket: defers the call.
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
