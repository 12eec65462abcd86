#include "store/db.hpp"
#include "temp_file.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace rtchat::store;

namespace {

int64_t count_rows(Database& db) {
    Statement st(db, "SELECT count(*) FROM t");
    EXPECT_TRUE(st.step());
    return st.column_int(0);
}

} // namespace

// A reused statement is the same text run again: a query inside the loop
// of another with the same text gets its own statement, not the one stepping.
TEST(Database, TheSameQueryCanRunInsideItself) {
    Database db(":memory:");
    db.exec("CREATE TABLE t (n INTEGER)");
    for (int64_t n = 1; n <= 3; ++n)
        Statement(db, "INSERT INTO t (n) VALUES (?)").bind(1, n).run();
    int64_t pairs = 0;
    Statement outer(db, "SELECT n FROM t ORDER BY n");
    while (outer.step()) {
        Statement inner(db, "SELECT n FROM t ORDER BY n");
        while (inner.step())
            ++pairs;
        EXPECT_EQ(count_rows(db), 3);
    }
    EXPECT_EQ(pairs, 9);
}

// A cached statement forgets its last bindings: a value bound for one row
// must not reach the next.
TEST(Database, AReusedStatementStartsWithoutBindings) {
    Database db(":memory:");
    db.exec("CREATE TABLE t (n INTEGER)");
    Statement(db, "INSERT INTO t (n) VALUES (?)").bind(1, int64_t{7}).run();
    Statement(db, "INSERT INTO t (n) VALUES (?)").run();
    Statement st(db, "SELECT count(*) FROM t WHERE n IS NULL");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_int(0), 1);
}

// A finished statement must not keep its read transaction: chat2rt and the
// reaper share the file, and a reader left open would stop checkpoints and
// let the WAL grow without bound.
TEST(Database, AFinishedQueryHoldsNoReadTransaction) {
    const auto path = fresh_db_file("checkpoint.db");
    Database reader(path.string());
    reader.exec("PRAGMA journal_mode = WAL");
    reader.exec("CREATE TABLE t (n INTEGER)");
    Database writer(path.string());
    Statement(writer, "INSERT INTO t (n) VALUES (1)").run();
    EXPECT_EQ(count_rows(reader), 1);
    Statement(writer, "INSERT INTO t (n) VALUES (2)").run();
    Statement checkpoint(writer, "PRAGMA wal_checkpoint(TRUNCATE)");
    ASSERT_TRUE(checkpoint.step());
    EXPECT_EQ(checkpoint.column_int(0), 0) << "the checkpoint was blocked by a reader";
    EXPECT_EQ(count_rows(reader), 2);
}

TEST(Database, ATransactionCanBeginAgainAfterARollback) {
    Database db(":memory:");
    db.exec("CREATE TABLE t (n INTEGER)");
    {
        Transaction tx(db);
        Statement(db, "INSERT INTO t (n) VALUES (1)").run();
    }
    {
        Transaction tx(db);
        Statement(db, "INSERT INTO t (n) VALUES (2)").run();
        tx.commit();
    }
    EXPECT_EQ(count_rows(db), 1);
}
