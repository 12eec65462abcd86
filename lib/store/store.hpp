#pragma once
// The chat store: chats, messages, guest links, and the only code that
// changes a chat's state.

#include "store/chat_state.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rtchat::store {

/// Expected failures a client caused; the message is for the user.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
class NotFound : public StoreError {
public:
    using StoreError::StoreError;
};
class InvalidState : public StoreError {
public:
    using StoreError::StoreError;
};

enum class Role { co, user, system };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view name);

/// A chat's RT ticket as RT described it when the chat was started from it
/// (empty for chats whose ticket number a CO typed without RT being asked).
struct TicketFacts {
    std::string subject;
    std::string queue;
    std::string status;
    std::string url; ///< the ticket's page in RT
};

struct Chat {
    int64_t id = 0;
    ChatState state = ChatState::invited;
    std::string user_name;
    std::string user_email;
    std::optional<int64_t> rt_ticket;
    std::string rt_system;
    TicketFacts rt;
    std::string created_by;
    std::string co;         ///< the CO handling it: its starter, unless another took it over
    int64_t created_at = 0; ///< milliseconds since the epoch, as every time here
    int64_t updated_at = 0;
    std::optional<int64_t> closed_at;
    std::string closed_by;
    std::string summary;
    std::string end_reason;
    int64_t message_count = 0;
    std::optional<int64_t> last_message_at;
};

struct NewChat {
    std::string user_name;
    std::string user_email;
    std::optional<int64_t> rt_ticket;
    std::string rt_system;
    std::string created_by;
    std::string link_hash; ///< the first guest link's hash; none when empty
    int64_t link_expires_at = 0;
    TicketFacts rt;
};

struct Message {
    int64_t id = 0; ///< increases across all chats; a resume point for streams
    int64_t chat_id = 0;
    std::string author;
    Role role = Role::co;
    std::string body;
    int64_t at = 0;
};

/// What a browser session stands for.
struct WebSession {
    int64_t chat_id = 0;
    std::string user_name;
    int64_t expires_at = 0;
};

/// One transcript delivery: pending until the target confirmed it.
struct Delivery {
    int64_t chat_id = 0;
    std::string target;
    std::string state; ///< pending, delivered or failed
    int64_t attempts = 0;
    int64_t next_try = 0;
    std::string marker; ///< unique, in the transcript, to find it again at the target
    std::string last_error;
    std::optional<int64_t> rt_ticket; ///< the ticket it landed in, once delivered
    std::string flag; ///< why it landed elsewhere than the chat's ticket; empty if it did not
    std::optional<int64_t> delivered_at;
    std::optional<int64_t> mailed_at; ///< handed to a mail server, not yet seen in RT
};

struct Stats {
    std::vector<std::pair<ChatState, int64_t>> chats_by_state;
    int64_t messages = 0;
    int64_t live_guest_links = 0;
    int64_t transcripts_waiting = 0; ///< in the outbox, not yet at their target
    int64_t transcripts_failed = 0;  ///< failed for good: need a person
    int64_t transcripts_flagged = 0; ///< delivered elsewhere than their ticket
};

/// How commits reach the disk.
///  - full: each commit is on disk when it returns (power loss loses nothing).
///  - normal: a commit survives a crash of the process, not of the machine.
///  - deferred: as normal until sync() returns, then as full. chatd uses it
///    to show a message to its readers while the disk catches up, and to
///    acknowledge it to its writer only after sync().
enum class Synchronous { full, normal, deferred };

class Store {
public:
    using Clock = std::function<int64_t()>;

    /// Opens (creating if needed) and migrates the database at `path`.
    explicit Store(const std::string& path, Synchronous sync = Synchronous::full, Clock clock = {});

    /// With Synchronous::deferred: puts every commit so far on disk. Does
    /// nothing in the other modes, or when nothing was committed since.
    void sync() { db_.sync_wal(); }
    /// With Synchronous::deferred: the WAL checkpoint SQLite would otherwise
    /// run inside a COMMIT; call it when nobody waits.
    void checkpoint_if_due() { db_.checkpoint_if_due(); }

    Chat create_chat(const NewChat& chat);
    /// Throws NotFound.
    Chat get_chat(int64_t id);
    std::optional<Chat> find_chat(int64_t id);
    /// Just the state; throws NotFound.
    ChatState state_of(int64_t id);
    /// Open chats only unless `include_ended`; newest first.
    std::vector<Chat> list_chats(bool include_ended);

    /// Stores a message, durably (in deferred mode: once sync() returns),
    /// before returning it. Throws NotFound, or
    /// InvalidState when the chat no longer accepts messages.
    Message add_message(int64_t chat_id, std::string_view author, Role role, std::string_view body);
    /// Messages of a chat with id greater than `after`, oldest first.
    std::vector<Message> messages(int64_t chat_id, int64_t after = 0);

    /// The only way a chat's state changes. Throws InvalidState when the
    /// life cycle forbids the step.
    Chat transition(int64_t chat_id, ChatState to, std::string_view by);
    /// Ends an open chat: state closed, with who closed it, why, and a summary.
    /// `co` takes over an open chat: from now on it is theirs (its user's
    /// messages go to them). Throws InvalidState for a chat that is over.
    Chat take_chat(int64_t chat_id, std::string_view co);
    Chat close_chat(int64_t chat_id, std::string_view by, std::string_view summary,
                    std::string_view reason);

    /// Records a new guest link (only its hash) and revokes the older ones.
    void replace_guest_link(int64_t chat_id, std::string_view token_hash, int64_t expires_at);

    /// Spends a guest link (once) and opens a browser session for its chat,
    /// both in one transaction. Throws NotFound for a link that never
    /// existed, InvalidState (with the reason) for a spent, replaced or
    /// expired link or an ended chat. An invited chat becomes active.
    WebSession redeem_guest_link(std::string_view token_hash, std::string_view session_hash,
                                 int64_t session_expires_at);
    /// Open chats whose user is `user_name` (a site login), newest first.
    std::vector<Chat> open_chats_of_user(std::string_view user_name);
    /// Opens a browser session for a user the site signed in: only for an
    /// open chat of theirs (NotFound otherwise, whoever's chat it is). An
    /// invited chat becomes active.
    WebSession open_session_for_user(int64_t chat_id, std::string_view user_name,
                                     std::string_view session_hash, int64_t session_expires_at);
    /// The live session with this hash; throws NotFound when there is none
    /// (unknown, expired, or — unless `even_if_ended` — its chat has ended).
    WebSession find_session(std::string_view session_hash, bool even_if_ended = false);

    /// Moves every ended chat (closed or abandoned) to delivering and gives
    /// it an outbox entry for the target `target_of` names, each in one
    /// transaction. Returns how many.
    int enqueue_ended_chats(const std::function<std::string(const Chat&)>& target_of);
    /// Deliveries due now (pending, next_try passed).
    std::vector<Delivery> due_deliveries();
    /// Counted, durably, before the transcript is sent: a delivery with
    /// attempts may already be at its target, so it is looked for there
    /// before it is sent again.
    void delivery_started(int64_t chat_id);
    /// The target confirmed: the delivery and its chat are done. `flag`
    /// says why it went to `rt_ticket` rather than the chat's own ticket.
    void delivery_succeeded(int64_t chat_id, std::optional<int64_t> rt_ticket = {},
                            std::string_view flag = {});
    /// Handed to a mail server (which does not say whether RT filed it):
    /// looked for in RT at `next_try`, never sent again by itself.
    void delivery_mailed(int64_t chat_id, int64_t next_try);
    /// A transient failure: try again at `next_try`.
    void delivery_deferred(int64_t chat_id, std::string_view error, int64_t next_try);
    /// A permanent failure: the chat becomes failed, shown loudly, kept.
    void delivery_failed(int64_t chat_id, std::string_view error);
    std::vector<Delivery> deliveries(std::string_view state);
    /// Delivered with a flag, newest first: what a person should look at.
    std::vector<Delivery> flagged_deliveries();
    /// A failed delivery goes back to the outbox, due now (after a person
    /// fixed its cause). Throws NotFound when the chat has no failed delivery.
    void retry_failed_delivery(int64_t chat_id);
    /// The outbox entry of a chat, if it has one.
    std::optional<Delivery> delivery_of(int64_t chat_id);

    Stats stats();
    int64_t now() const { return clock_(); }
    Database& database() { return db_; }

private:
    void skip_message_ids_a_power_loss_may_have_lost();
    Chat transition_locked(const Chat& chat, ChatState to, std::string_view by);
    void insert_guest_link(int64_t chat_id, std::string_view token_hash, int64_t expires_at,
                           int64_t now);

    Database db_;
    Clock clock_;
};

} // namespace rtchat::store
