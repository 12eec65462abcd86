#pragma once
// What chat2rt asks of one RT system, whatever way it is reached: the
// facts of a ticket, adding a transcript to one, opening a new one, and
// finding a transcript that may already be there. Implemented by
// rest2.cpp (RT 5), rest1.cpp (RT 4, and the checks of the mail backend)
// and mail.cpp. Each throws rt::Failure.

#include "rt/http.hpp"
#include "rt/system.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rtchat::rt {

/// An RT user as a ticket names them.
struct Person {
    std::string name;  ///< RT's user name: a site login, or the address for users RT made from mail
    std::string email; ///< may be empty
    std::string real_name; ///< may be empty
};

/// Whether two RT user names or addresses name the same user: RT compares
/// them without case. An empty one names nobody.
bool same_user(const std::string& a, const std::string& b);

struct Ticket {
    int64_t id = 0;
    std::string queue;
    std::string status;
    std::string subject;
    std::vector<Person> requestors;
};

/// A ticket, or why there is none to deliver to.
struct TicketLookup {
    std::optional<Ticket> ticket;
    std::string why_not; ///< "ticket 5 does not exist", "ticket 5 is deleted", ...
};

/// One transcript, ready to send.
struct Document {
    std::string subject;
    std::string body;         ///< summary and header; the log attached
    std::string log;          ///< the conversation, for the attachment
    std::string log_filename; ///< chat-N.txt
    std::string folded_body;  ///< summary and header, the log quoted below (RT folds it)
    std::string message;      ///< the whole transcript as a mail, log quoted
    std::string marker;
    int64_t chat_id = 0;
    std::string requestor; ///< email of the chat's user, for new tickets; may be empty
};

class Client {
public:
    virtual ~Client() = default;
    /// The ticket's facts; a missing, deleted or unreadable ticket is a
    /// TicketLookup with why_not, not a Failure.
    virtual TicketLookup ticket(int64_t id) = 0;
    virtual void add_to_ticket(int64_t id, const Document& doc, Action action) = 0;
    /// A plain message to the requestors of a ticket, through RT (recorded
    /// as correspondence, mailed the usual way).
    virtual void correspond(int64_t id, const std::string& subject, const std::string& text) = 0;
    /// Returns the new ticket's number; 0 when the way in does not tell it
    /// (mail). A flagged transcript's ticket is opened without requestor.
    virtual int64_t create_ticket(const std::string& queue, const Document& doc,
                                  bool with_requestor) = 0;
    /// The ticket already holding this transcript (its marker), looking in
    /// `ticket` and in tickets whose subject names the chat. nullopt when
    /// it is nowhere, or when this client cannot look (mail without API).
    virtual std::optional<int64_t> find_transcript(const Document& doc,
                                                   std::optional<int64_t> ticket) = 0;
    /// Whether find_transcript can answer; without it a retry after an
    /// ambiguous failure may duplicate.
    virtual bool can_look() const { return true; }
};

/// A client for `system`, for one thread; `session` is shared by the
/// clients of that system during one run.
std::unique_ptr<Client> make_client(const System& system, Session& session);

} // namespace rtchat::rt
