#include "store/db.hpp"

#include <fmt/format.h>

namespace rtchat::store {
namespace {

constexpr size_t max_cached_statements = 128;
// SQLite's default wal_autocheckpoint.
constexpr int checkpoint_frames = 1000;

[[noreturn]] void fail(sqlite3* db, int code, std::string_view doing) {
    throw DbError(
        fmt::format("store: {}: {}", doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(code)), code);
}

} // namespace

Database::Database(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_URI,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = fmt::format("store: cannot open {}: {}", path,
                                      db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(msg, rc);
    }
    sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
    for (auto& [sql, cached] : statements_)
        sqlite3_finalize(cached.stmt);
    sqlite3_close(db_);
}

sqlite3_stmt* Database::acquire(std::string_view sql, bool*& in_use) {
    auto it = statements_.find(sql);
    if (it != statements_.end() && !it->second.in_use) {
        in_use = &it->second.in_use;
        *in_use = true;
        return it->second.stmt;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK)
        fail(db_, rc, "prepare");
    in_use = nullptr;
    // The store's SQL texts are a fixed set; the bound only guards against a
    // caller that builds them from data.
    if (it == statements_.end() && statements_.size() < max_cached_statements)
        in_use = &statements_.emplace(std::string(sql), CachedStatement{stmt, true})
                      .first->second.in_use;
    return stmt;
}

void Database::defer_sync() {
    exec("PRAGMA synchronous = NORMAL");
    // Replaces SQLite's own hook, which checkpoints inside COMMIT.
    sqlite3_wal_hook(db_, &Database::on_wal_commit, this);
}

int Database::on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    auto* db = static_cast<Database*>(self);
    db->unsynced_ = true;
    db->wal_frames_ = frames;
    return SQLITE_OK;
}

void Database::sync_wal() {
    if (!unsynced_)
        return;
    sqlite3_file* wal = nullptr;
    if (int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
        rc != SQLITE_OK)
        fail(db_, rc, "find the WAL");
    // The same call SQLite makes on the WAL at a synchronous=FULL commit.
    if (wal && wal->pMethods)
        if (int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL); rc != SQLITE_OK)
            fail(nullptr, rc, "sync the WAL");
    unsynced_ = false;
}

void Database::checkpoint_if_due() {
    if (wal_frames_ < checkpoint_frames)
        return;
    // PASSIVE never waits: a reader in another process only postpones the
    // copy to the next commit.
    // Either way the next commit asks again, as SQLite's own hook would.
    sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    wal_frames_ = 0;
}

void Database::exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DbError(fmt::format("store: {}", msg), rc);
    }
}

Statement::Statement(Database& db, std::string_view sql)
    : db_(db)
    , stmt_(db.acquire(sql, cached_in_use_)) {}

Statement::~Statement() {
    if (!cached_in_use_) {
        sqlite3_finalize(stmt_);
        return;
    }
    // Reset ends the statement's read transaction; cleared bindings drop the
    // copies of message text it holds.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *cached_in_use_ = false;
}

Statement& Statement::bind(int index, int64_t value) {
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
        fail(db_.handle(), rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
        rc != SQLITE_OK)
        fail(db_.handle(), rc, "bind");
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    if (int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        fail(db_.handle(), rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK)
        fail(db_.handle(), rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(db_.handle(), rc, "step");
}

void Statement::run() {
    while (step()) {
    }
}

int64_t Statement::column_int(int index) const {
    return sqlite3_column_int64(stmt_, index);
}

std::optional<int64_t> Statement::column_optional_int(int index) const {
    if (column_is_null(index))
        return std::nullopt;
    return column_int(index);
}

std::string Statement::column_text(int index) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    int size = sqlite3_column_bytes(stmt_, index);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size))
                : std::string();
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Transaction::Transaction(Database& db)
    : db_(db) {
    Statement(db_, "BEGIN IMMEDIATE").run();
}

Transaction::~Transaction() {
    if (!done_) {
        // Never throws from a destructor: a failed rollback leaves SQLite to
        // roll back when the connection closes.
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    Statement(db_, "COMMIT").run();
    done_ = true;
}

} // namespace rtchat::store
