#include "store/migrations.hpp"

#include <array>
#include <fmt/format.h>

namespace rtchat::store {
namespace {

// Append only: a released step is never edited, a change is a new step.
constexpr std::array<const char*, 7> steps{
    // 1: chats, their messages and guest links, and the state history.
    R"sql(
CREATE TABLE chats (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    state       TEXT    NOT NULL,
    user_name   TEXT    NOT NULL,
    user_email  TEXT    NOT NULL DEFAULT '',
    rt_ticket   INTEGER,
    rt_system   TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    closed_by   TEXT    NOT NULL DEFAULT '',
    summary     TEXT    NOT NULL DEFAULT '',
    end_reason  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX chats_by_state ON chats(state);
CREATE TABLE messages (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id  INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    author   TEXT    NOT NULL,
    role     TEXT    NOT NULL,
    body     TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX messages_by_chat ON messages(chat_id, id);
CREATE TABLE guest_links (
    token_hash  BLOB    PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX guest_links_by_chat ON guest_links(chat_id);
CREATE TABLE state_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    by         TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
)sql",
    // 2: browser sessions, made when a user spends a guest link.
    R"sql(
CREATE TABLE web_sessions (
    session_hash BLOB    PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    user_name    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_chat ON web_sessions(chat_id);
)sql",
    // 3: the outbox: one delivery of each ended chat's transcript.
    R"sql(
CREATE TABLE outbox (
    chat_id      INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
    target       TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try     INTEGER NOT NULL,
    marker       TEXT    NOT NULL UNIQUE,
    last_error   TEXT    NOT NULL DEFAULT '',
    delivered_at INTEGER
);
CREATE INDEX outbox_by_state ON outbox(state, next_try);
)sql",
    // 4: where a transcript landed, and why it went elsewhere than asked.
    R"sql(
ALTER TABLE outbox ADD COLUMN rt_ticket INTEGER;
ALTER TABLE outbox ADD COLUMN flag TEXT NOT NULL DEFAULT '';
)sql",
    // 5: when a transcript was handed to a mail server, which does not say
    // whether RT filed it.
    R"sql(
ALTER TABLE outbox ADD COLUMN mailed_at INTEGER;
)sql",
    // 6: what RT said of a chat's ticket when the chat was started from it.
    R"sql(
ALTER TABLE chats ADD COLUMN rt_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN rt_queue TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN rt_status TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN rt_url TEXT NOT NULL DEFAULT '';
)sql",
    // 7: who handles a chat now (another CO may take it over from its starter).
    R"sql(
ALTER TABLE chats ADD COLUMN co TEXT NOT NULL DEFAULT '';
UPDATE chats SET co = created_by;
)sql",
};

int user_version(Database& db) {
    Statement st(db, "PRAGMA user_version");
    st.step();
    return static_cast<int>(st.column_int(0));
}

} // namespace

int current_schema_version() {
    return static_cast<int>(steps.size());
}

void migrate(Database& db) {
    migrate(db, current_schema_version());
}

void migrate(Database& db, int target) {
    int version = user_version(db);
    if (version > current_schema_version())
        throw DbError(fmt::format("store: the database has schema version {}, newer than this "
                                  "rtchat knows ({}); upgrade rtchat or restore a backup",
                                  version, current_schema_version()),
                      SQLITE_ERROR);
    while (version < target) {
        // Read again under the write lock: another program (chatd, chat2rt)
        // may have taken this step since.
        Transaction tx(db);
        version = user_version(db);
        if (version >= target)
            break;
        db.exec(steps[static_cast<size_t>(version)]);
        db.exec(fmt::format("PRAGMA user_version = {}", version + 1).c_str());
        tx.commit();
        ++version;
    }
}

} // namespace rtchat::store
