#include "store/store.hpp"

#include "store/migrations.hpp"

#include <chrono>
#include <fmt/format.h>

namespace rtchat::store {
namespace {

constexpr std::string_view chat_columns =
    "c.id, c.state, c.user_name, c.user_email, c.rt_ticket, c.rt_system, c.created_by, "
    "c.created_at, c.updated_at, c.closed_at, c.closed_by, c.summary, c.end_reason, "
    "(SELECT count(*) FROM messages m WHERE m.chat_id = c.id), "
    "(SELECT max(at) FROM messages m WHERE m.chat_id = c.id), "
    "c.rt_subject, c.rt_queue, c.rt_status, c.rt_url, c.co";

Chat read_chat(const Statement& st) {
    Chat c;
    c.id = st.column_int(0);
    const std::string state = st.column_text(1);
    auto parsed = parse_state(state);
    if (!parsed)
        throw DbError(fmt::format("store: chat {} has unknown state '{}'", c.id, state),
                      SQLITE_CORRUPT);
    c.state = *parsed;
    c.user_name = st.column_text(2);
    c.user_email = st.column_text(3);
    c.rt_ticket = st.column_optional_int(4);
    c.rt_system = st.column_text(5);
    c.created_by = st.column_text(6);
    c.created_at = st.column_int(7);
    c.updated_at = st.column_int(8);
    c.closed_at = st.column_optional_int(9);
    c.closed_by = st.column_text(10);
    c.summary = st.column_text(11);
    c.end_reason = st.column_text(12);
    c.message_count = st.column_int(13);
    c.last_message_at = st.column_optional_int(14);
    c.rt =
        TicketFacts{st.column_text(15), st.column_text(16), st.column_text(17), st.column_text(18)};
    c.co = st.column_text(19);
    return c;
}

int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::string_view to_string(Role role) {
    switch (role) {
    case Role::co:
        return "co";
    case Role::user:
        return "user";
    case Role::system:
        return "system";
    }
    return "system";
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role r : {Role::co, Role::user, Role::system})
        if (to_string(r) == name)
            return r;
    return std::nullopt;
}

Store::Store(const std::string& path, Synchronous sync, Clock clock)
    : db_(path)
    , clock_(clock ? std::move(clock) : Clock(system_now)) {
    db_.exec("PRAGMA busy_timeout = 5000");
    db_.exec("PRAGMA journal_mode = WAL");
    db_.exec(sync == Synchronous::full ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL");
    db_.exec("PRAGMA foreign_keys = ON");
    db_.exec("PRAGMA secure_delete = ON");
    migrate(db_);
    if (sync == Synchronous::deferred) {
        db_.defer_sync();
        skip_message_ids_a_power_loss_may_have_lost();
    }
}

// Readers may have seen messages whose commits a power loss then undid
// (deferred mode shows a commit before it is on disk). Were their ids
// handed out again, a browser resuming from the last id it saw (or a page
// that keeps the ids it showed) would skip the new messages. So each start
// moves the message counter past anything that can have been shown: at
// most the commits of one loop turn, far fewer than this. Message ids are
// never shown to people; chat ids, which are, keep counting by one.
void Store::skip_message_ids_a_power_loss_may_have_lost() {
    Transaction tx(db_);
    Statement(db_, "UPDATE sqlite_sequence SET seq = seq + 1000 WHERE name = 'messages'").run();
    tx.commit();
    db_.sync_wal();
}

Chat Store::create_chat(const NewChat& chat) {
    const int64_t now = clock_();
    Transaction tx(db_);
    Statement(db_, "INSERT INTO chats (state, user_name, user_email, rt_ticket, rt_system, "
                   "created_by, created_at, updated_at, rt_subject, rt_queue, rt_status, rt_url, "
                   "co) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, to_string(ChatState::invited))
        .bind(2, chat.user_name)
        .bind(3, chat.user_email)
        .bind(4, chat.rt_ticket)
        .bind(5, chat.rt_system)
        .bind(6, chat.created_by)
        .bind(7, now)
        .bind(8, now)
        .bind(9, chat.rt.subject)
        .bind(10, chat.rt.queue)
        .bind(11, chat.rt.status)
        .bind(12, chat.rt.url)
        .bind(13, chat.created_by)
        .run();
    const int64_t id = db_.last_insert_id();
    // The chat and its first link appear together or not at all.
    if (!chat.link_hash.empty())
        insert_guest_link(id, chat.link_hash, chat.link_expires_at, now);
    tx.commit();
    return get_chat(id);
}

std::optional<Chat> Store::find_chat(int64_t id) {
    Statement st(db_, fmt::format("SELECT {} FROM chats c WHERE c.id = ?", chat_columns));
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return read_chat(st);
}

ChatState Store::state_of(int64_t id) {
    // Cheaper than get_chat(), which counts the chat's messages.
    Statement st(db_, "SELECT state FROM chats WHERE id = ?");
    st.bind(1, id);
    if (!st.step())
        throw NotFound(fmt::format("no chat {}", id));
    const std::string name = st.column_text(0);
    auto state = parse_state(name);
    if (!state)
        throw DbError(fmt::format("store: chat {} has unknown state '{}'", id, name),
                      SQLITE_CORRUPT);
    return *state;
}

Chat Store::get_chat(int64_t id) {
    auto chat = find_chat(id);
    if (!chat)
        throw NotFound(fmt::format("no chat {}", id));
    return *chat;
}

std::vector<Chat> Store::list_chats(bool include_ended) {
    Statement st(db_, fmt::format("SELECT {} FROM chats c {} ORDER BY c.id DESC", chat_columns,
                                  include_ended ? "WHERE c.state != 'purged'"
                                                : "WHERE c.state IN ('invited', 'active')"));
    std::vector<Chat> out;
    while (st.step())
        out.push_back(read_chat(st));
    return out;
}

Message Store::add_message(int64_t chat_id, std::string_view author, Role role,
                           std::string_view body) {
    Transaction tx(db_);
    const ChatState state = state_of(chat_id);
    if (!accepts_messages(state))
        throw InvalidState(
            fmt::format("chat {} is {}; it takes no more messages", chat_id, to_string(state)));
    Message m{0, chat_id, std::string(author), role, std::string(body), clock_()};
    Statement(db_, "INSERT INTO messages (chat_id, author, role, body, at) VALUES (?, ?, ?, ?, ?)")
        .bind(1, chat_id)
        .bind(2, m.author)
        .bind(3, to_string(role))
        .bind(4, m.body)
        .bind(5, m.at)
        .run();
    m.id = db_.last_insert_id();
    tx.commit();
    return m;
}

std::vector<Message> Store::messages(int64_t chat_id, int64_t after) {
    Statement st(db_, "SELECT id, chat_id, author, role, body, at FROM messages "
                      "WHERE chat_id = ? AND id > ? ORDER BY id");
    st.bind(1, chat_id).bind(2, after);
    std::vector<Message> out;
    while (st.step()) {
        Message m;
        m.id = st.column_int(0);
        m.chat_id = st.column_int(1);
        m.author = st.column_text(2);
        m.role = parse_role(st.column_text(3)).value_or(Role::system);
        m.body = st.column_text(4);
        m.at = st.column_int(5);
        out.push_back(std::move(m));
    }
    return out;
}

Chat Store::transition_locked(const Chat& chat, ChatState to, std::string_view by) {
    if (!can_transition(chat.state, to))
        throw InvalidState(fmt::format("chat {} is {} and cannot become {}", chat.id,
                                       to_string(chat.state), to_string(to)));
    const int64_t now = clock_();
    Statement(db_, "UPDATE chats SET state = ?, updated_at = ? WHERE id = ?")
        .bind(1, to_string(to))
        .bind(2, now)
        .bind(3, chat.id)
        .run();
    Statement(db_, "INSERT INTO state_changes (chat_id, from_state, to_state, by, at) "
                   "VALUES (?, ?, ?, ?, ?)")
        .bind(1, chat.id)
        .bind(2, to_string(chat.state))
        .bind(3, to_string(to))
        .bind(4, by)
        .bind(5, now)
        .run();
    Chat after = chat;
    after.state = to;
    after.updated_at = now;
    return after;
}

Chat Store::transition(int64_t chat_id, ChatState to, std::string_view by) {
    Transaction tx(db_);
    Chat after = transition_locked(get_chat(chat_id), to, by);
    tx.commit();
    return after;
}

Chat Store::take_chat(int64_t chat_id, std::string_view co) {
    Transaction tx(db_);
    Chat chat = get_chat(chat_id);
    if (!is_open(chat.state))
        throw InvalidState(fmt::format("chat {} is {}", chat_id, to_string(chat.state)));
    Statement(db_, "UPDATE chats SET co = ?, updated_at = ? WHERE id = ?")
        .bind(1, co)
        .bind(2, clock_())
        .bind(3, chat_id)
        .run();
    tx.commit();
    return get_chat(chat_id);
}

Chat Store::close_chat(int64_t chat_id, std::string_view by, std::string_view summary,
                       std::string_view reason) {
    Transaction tx(db_);
    Chat chat = get_chat(chat_id);
    if (!is_open(chat.state))
        throw InvalidState(fmt::format("chat {} is already {}", chat_id, to_string(chat.state)));
    Chat after = transition_locked(chat, ChatState::closed, by);
    Statement(db_, "UPDATE chats SET closed_at = ?, closed_by = ?, summary = ?, end_reason = ? "
                   "WHERE id = ?")
        .bind(1, after.updated_at)
        .bind(2, by)
        .bind(3, summary)
        .bind(4, reason)
        .bind(5, chat_id)
        .run();
    // A closed chat's links must stop working at once.
    Statement(db_, "UPDATE guest_links SET revoked_at = ? WHERE chat_id = ? AND revoked_at IS NULL")
        .bind(1, after.updated_at)
        .bind(2, chat_id)
        .run();
    tx.commit();
    return get_chat(chat_id);
}

void Store::replace_guest_link(int64_t chat_id, std::string_view token_hash, int64_t expires_at) {
    const int64_t now = clock_();
    Transaction tx(db_);
    Chat chat = get_chat(chat_id);
    if (!is_open(chat.state))
        throw InvalidState(
            fmt::format("chat {} is {}; it has no link any more", chat_id, to_string(chat.state)));
    Statement(db_, "UPDATE guest_links SET revoked_at = ? WHERE chat_id = ? AND revoked_at IS NULL")
        .bind(1, now)
        .bind(2, chat_id)
        .run();
    insert_guest_link(chat_id, token_hash, expires_at, now);
    tx.commit();
}

void Store::insert_guest_link(int64_t chat_id, std::string_view token_hash, int64_t expires_at,
                              int64_t now) {
    Statement(db_, "INSERT INTO guest_links (token_hash, chat_id, created_at, expires_at) "
                   "VALUES (?, ?, ?, ?)")
        .bind_blob(1, token_hash)
        .bind(2, chat_id)
        .bind(3, now)
        .bind(4, expires_at)
        .run();
}

WebSession Store::redeem_guest_link(std::string_view token_hash, std::string_view session_hash,
                                    int64_t session_expires_at) {
    const int64_t now = clock_();
    Transaction tx(db_);
    Statement link(db_, "SELECT chat_id, expires_at, used_at, revoked_at FROM guest_links "
                        "WHERE token_hash = ?");
    link.bind_blob(1, token_hash);
    if (!link.step())
        throw NotFound("this link is not valid");
    const int64_t chat_id = link.column_int(0);
    Chat chat = get_chat(chat_id);
    if (!is_open(chat.state))
        throw InvalidState("this chat has ended");
    if (!link.column_is_null(2))
        throw InvalidState("this link has already been used");
    if (!link.column_is_null(3))
        throw InvalidState("this link has been replaced by a newer one");
    if (link.column_int(1) <= now)
        throw InvalidState("this link has expired");

    Statement(db_, "UPDATE guest_links SET used_at = ? WHERE token_hash = ?")
        .bind(1, now)
        .bind_blob(2, token_hash)
        .run();
    Statement(db_, "INSERT INTO web_sessions (session_hash, chat_id, user_name, created_at, "
                   "expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind_blob(1, session_hash)
        .bind(2, chat_id)
        .bind(3, chat.user_name)
        .bind(4, now)
        .bind(5, session_expires_at)
        .run();
    if (chat.state == ChatState::invited)
        transition_locked(chat, ChatState::active, chat.user_name);
    tx.commit();
    return WebSession{chat_id, chat.user_name, session_expires_at};
}

std::vector<Chat> Store::open_chats_of_user(std::string_view user_name) {
    Statement st(db_, fmt::format("SELECT {} FROM chats c WHERE c.user_name = ? AND c.state IN "
                                  "('invited', 'active') ORDER BY c.id DESC",
                                  chat_columns));
    st.bind(1, user_name);
    std::vector<Chat> out;
    while (st.step())
        out.push_back(read_chat(st));
    return out;
}

WebSession Store::open_session_for_user(int64_t chat_id, std::string_view user_name,
                                        std::string_view session_hash, int64_t session_expires_at) {
    const int64_t now = clock_();
    Transaction tx(db_);
    auto chat = find_chat(chat_id);
    // Someone else's chat looks exactly like no chat.
    if (!chat || chat->user_name != user_name || !is_open(chat->state))
        throw NotFound(fmt::format("you have no open chat {}", chat_id));
    Statement(db_, "INSERT INTO web_sessions (session_hash, chat_id, user_name, created_at, "
                   "expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind_blob(1, session_hash)
        .bind(2, chat_id)
        .bind(3, chat->user_name)
        .bind(4, now)
        .bind(5, session_expires_at)
        .run();
    if (chat->state == ChatState::invited)
        transition_locked(*chat, ChatState::active, chat->user_name);
    tx.commit();
    return WebSession{chat_id, chat->user_name, session_expires_at};
}

WebSession Store::find_session(std::string_view session_hash, bool even_if_ended) {
    Statement st(db_, "SELECT s.chat_id, s.user_name, s.expires_at FROM web_sessions s "
                      "JOIN chats c ON c.id = s.chat_id "
                      "WHERE s.session_hash = ? AND s.expires_at > ? "
                      "AND (? OR c.state IN ('invited', 'active'))");
    st.bind_blob(1, session_hash).bind(2, clock_()).bind(3, int64_t{even_if_ended ? 1 : 0});
    if (!st.step())
        throw NotFound("this session is not valid or has ended");
    return WebSession{st.column_int(0), st.column_text(1), st.column_int(2)};
}

int Store::enqueue_ended_chats(const std::function<std::string(const Chat&)>& target_of) {
    std::vector<int64_t> ended;
    {
        Statement st(db_, "SELECT id FROM chats WHERE state IN ('closed', 'abandoned') "
                          "AND id NOT IN (SELECT chat_id FROM outbox)");
        while (st.step())
            ended.push_back(st.column_int(0));
    }
    for (int64_t id : ended) {
        Transaction tx(db_);
        Chat chat = get_chat(id);
        const std::string target = target_of(chat);
        transition_locked(chat, ChatState::delivering, "chat2rt");
        unsigned char raw[12];
        // The marker only has to be unique and unguessable enough not to
        // collide with text a person wrote; sqlite's randomness will do.
        sqlite3_randomness(sizeof raw, raw);
        std::string marker = fmt::format("rtchat-{}-", id);
        for (unsigned char c : raw)
            marker += fmt::format("{:02x}", c);
        Statement(db_, "INSERT INTO outbox (chat_id, target, state, next_try, marker) "
                       "VALUES (?, ?, 'pending', ?, ?)")
            .bind(1, id)
            .bind(2, target)
            .bind(3, clock_())
            .bind(4, marker)
            .run();
        tx.commit();
    }
    return static_cast<int>(ended.size());
}

namespace {

constexpr const char* delivery_columns =
    "SELECT chat_id, target, state, attempts, next_try, marker, last_error, rt_ticket, flag, "
    "delivered_at, mailed_at FROM outbox ";

std::vector<Delivery> read_deliveries(Statement& st) {
    std::vector<Delivery> out;
    while (st.step()) {
        Delivery d;
        d.chat_id = st.column_int(0);
        d.target = st.column_text(1);
        d.state = st.column_text(2);
        d.attempts = st.column_int(3);
        d.next_try = st.column_int(4);
        d.marker = st.column_text(5);
        d.last_error = st.column_text(6);
        if (!st.column_is_null(7))
            d.rt_ticket = st.column_int(7);
        d.flag = st.column_text(8);
        if (!st.column_is_null(9))
            d.delivered_at = st.column_int(9);
        if (!st.column_is_null(10))
            d.mailed_at = st.column_int(10);
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace

std::vector<Delivery> Store::deliveries(std::string_view state) {
    Statement st(db_, std::string(delivery_columns) + "WHERE state = ? ORDER BY chat_id");
    st.bind(1, state);
    return read_deliveries(st);
}

std::vector<Delivery> Store::flagged_deliveries() {
    Statement st(db_, std::string(delivery_columns) +
                          "WHERE state = 'delivered' AND flag != '' ORDER BY delivered_at DESC");
    return read_deliveries(st);
}

std::optional<Delivery> Store::delivery_of(int64_t chat_id) {
    Statement st(db_, std::string(delivery_columns) + "WHERE chat_id = ?");
    st.bind(1, chat_id);
    auto found = read_deliveries(st);
    if (found.empty())
        return std::nullopt;
    return found.front();
}

void Store::retry_failed_delivery(int64_t chat_id) {
    Transaction tx(db_);
    auto d = delivery_of(chat_id);
    if (!d || d->state != "failed")
        throw NotFound(fmt::format("chat {} has no failed transcript", chat_id));
    Statement(db_, "UPDATE outbox SET state = 'pending', next_try = ? WHERE chat_id = ?")
        .bind(1, clock_())
        .bind(2, chat_id)
        .run();
    transition_locked(get_chat(chat_id), ChatState::delivering, "retry");
    tx.commit();
}

void Store::delivery_started(int64_t chat_id) {
    Statement(db_, "UPDATE outbox SET attempts = attempts + 1 WHERE chat_id = ?")
        .bind(1, chat_id)
        .run();
}

std::vector<Delivery> Store::due_deliveries() {
    std::vector<Delivery> out;
    for (Delivery& d : deliveries("pending"))
        if (d.next_try <= clock_())
            out.push_back(std::move(d));
    return out;
}

void Store::delivery_succeeded(int64_t chat_id, std::optional<int64_t> rt_ticket,
                               std::string_view flag) {
    Transaction tx(db_);
    Statement st(db_, "UPDATE outbox SET state = 'delivered', delivered_at = ?, last_error = '', "
                      "rt_ticket = ?, flag = ? WHERE chat_id = ?");
    st.bind(1, clock_()).bind(2, rt_ticket).bind(3, flag).bind(4, chat_id).run();
    transition_locked(get_chat(chat_id), ChatState::delivered, "chat2rt");
    tx.commit();
}

void Store::delivery_mailed(int64_t chat_id, int64_t next_try) {
    Statement(db_, "UPDATE outbox SET mailed_at = coalesce(mailed_at, ?), next_try = ?, "
                   "last_error = 'mailed; waiting to see it filed in RT' WHERE chat_id = ?")
        .bind(1, clock_())
        .bind(2, next_try)
        .bind(3, chat_id)
        .run();
}

void Store::delivery_deferred(int64_t chat_id, std::string_view error, int64_t next_try) {
    Statement(db_, "UPDATE outbox SET last_error = ?, next_try = ? WHERE chat_id = ?")
        .bind(1, error)
        .bind(2, next_try)
        .bind(3, chat_id)
        .run();
}

void Store::delivery_failed(int64_t chat_id, std::string_view error) {
    Transaction tx(db_);
    Statement(db_, "UPDATE outbox SET state = 'failed', last_error = ? WHERE chat_id = ?")
        .bind(1, error)
        .bind(2, chat_id)
        .run();
    transition_locked(get_chat(chat_id), ChatState::failed, "chat2rt");
    tx.commit();
}

Stats Store::stats() {
    Stats s;
    Statement by_state(db_, "SELECT state, count(*) FROM chats GROUP BY state ORDER BY state");
    while (by_state.step())
        if (auto st = parse_state(by_state.column_text(0)))
            s.chats_by_state.emplace_back(*st, by_state.column_int(1));
    Statement msgs(db_, "SELECT count(*) FROM messages");
    msgs.step();
    s.messages = msgs.column_int(0);
    Statement links(db_, "SELECT count(*) FROM guest_links WHERE revoked_at IS NULL AND "
                         "used_at IS NULL AND expires_at > ?");
    links.bind(1, clock_());
    links.step();
    s.live_guest_links = links.column_int(0);
    Statement outbox(db_, "SELECT count(*) FILTER (WHERE state = 'pending'), "
                          "count(*) FILTER (WHERE state = 'failed'), "
                          "count(*) FILTER (WHERE state = 'delivered' AND flag != '') FROM outbox");
    outbox.step();
    s.transcripts_waiting = outbox.column_int(0);
    s.transcripts_failed = outbox.column_int(1);
    s.transcripts_flagged = outbox.column_int(2);
    return s;
}

} // namespace rtchat::store
