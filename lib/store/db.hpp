#pragma once
// Thin RAII over SQLite: a connection, prepared statements, and a
// transaction that rolls back unless commit() was called.
//
// The connection keeps each SQL text's prepared statement for reuse:
// preparing costs more than running the small statements the store uses
// (a third of chatd's time per message, measured by bench/run-webd).

#include <cstdint>
#include <optional>
#include <sqlite3.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rtchat::store {

class DbError : public std::runtime_error {
public:
    DbError(const std::string& what, int code)
        : std::runtime_error(what)
        , code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

class Database {
public:
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const char* sql);
    sqlite3* handle() const { return db_; }
    int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }

    /// From now on, commits leave syncing and checkpoints to the caller:
    /// with synchronous=NORMAL a commit survives the process but not the
    /// machine until sync_wal() returns.
    void defer_sync();
    /// Writes what was committed since the last call to disk (the fsync
    /// that synchronous=FULL does inside COMMIT); nothing when nothing was.
    void sync_wal();
    /// Copies the WAL into the database once it has grown to SQLite's
    /// usual autocheckpoint size; busy readers only postpone it.
    void checkpoint_if_due();

private:
    friend class Statement;
    /// The cached statement for `sql`, or a fresh one when that is in use
    /// (a query run while another with the same text is stepping); `in_use`
    /// is set to the cache entry's flag, or null for a fresh statement.
    sqlite3_stmt* acquire(std::string_view sql, bool*& in_use);

    struct CachedStatement {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    struct SqlHash {
        using is_transparent = void;
        size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
    };
    static int on_wal_commit(void* self, sqlite3*, const char*, int frames);

    sqlite3* db_ = nullptr;
    bool unsynced_ = false;
    int wal_frames_ = 0;
    std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> statements_;
};

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind(int index, std::nullopt_t);
    Statement& bind(int index, const std::optional<int64_t>& value);

    /// Advances; true while a row is available.
    bool step();
    /// Runs a statement that returns no rows.
    void run();

    int64_t column_int(int index) const;
    std::optional<int64_t> column_optional_int(int index) const;
    std::string column_text(int index) const;
    bool column_is_null(int index) const;

private:
    Database& db_;
    bool* cached_in_use_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; rolls back on destruction unless
/// commit() ran, so an exception can never leave half a change behind.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

} // namespace rtchat::store
