#include "store/migrations.hpp"
#include "store/store.hpp"
#include "temp_file.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace rtchat::store;

namespace {

class StoreTest : public ::testing::Test {
protected:
    int64_t now = 1'700'000'000'000;
    Store store{":memory:", Synchronous::full, [this] {
                    return now;
                }};

    Chat alice() {
        return store.create_chat({"alice", "alice@example.org", 12345, "", "co1", "", 0, {}});
    }
};

} // namespace

TEST_F(StoreTest, CreatesInvitedChatWithItsTicket) {
    Chat c = alice();
    EXPECT_GT(c.id, 0);
    EXPECT_EQ(c.state, ChatState::invited);
    EXPECT_EQ(c.user_name, "alice");
    EXPECT_EQ(c.user_email, "alice@example.org");
    EXPECT_EQ(c.rt_ticket, 12345);
    EXPECT_EQ(c.created_by, "co1");
    EXPECT_EQ(c.created_at, now);
    EXPECT_EQ(c.message_count, 0);
}

TEST_F(StoreTest, MessagesKeepOrderAndText) {
    Chat c = alice();
    Message a = store.add_message(c.id, "co1", Role::co, "hello");
    now += 1000;
    Message b = store.add_message(c.id, "alice", Role::user, "ünïcödé ✓\nsecond line");
    EXPECT_LT(a.id, b.id);
    auto all = store.messages(c.id);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].body, "ünïcödé ✓\nsecond line");
    EXPECT_EQ(all[1].role, Role::user);
    EXPECT_EQ(store.messages(c.id, a.id).size(), 1u);
    EXPECT_EQ(store.get_chat(c.id).message_count, 2);
    EXPECT_EQ(store.get_chat(c.id).last_message_at, now);
}

TEST_F(StoreTest, UnknownChatIsNotFound) {
    EXPECT_THROW(store.get_chat(99), NotFound);
    EXPECT_THROW(store.add_message(99, "co1", Role::co, "x"), NotFound);
    EXPECT_THROW(store.close_chat(99, "co1", "", "closed by CO"), NotFound);
    EXPECT_EQ(store.find_chat(99), std::nullopt);
}

TEST_F(StoreTest, ClosedChatRefusesMessagesAndSecondClose) {
    Chat c = alice();
    store.add_message(c.id, "co1", Role::co, "hi");
    Chat closed = store.close_chat(c.id, "co1", "Printer fixed", "closed by CO");
    EXPECT_EQ(closed.state, ChatState::closed);
    EXPECT_EQ(closed.summary, "Printer fixed");
    EXPECT_EQ(closed.closed_by, "co1");
    EXPECT_EQ(closed.closed_at, now);
    try {
        store.add_message(c.id, "co1", Role::co, "late");
        FAIL() << "a closed chat took a message";
    } catch (const InvalidState& e) {
        EXPECT_STREQ(e.what(), "chat 1 is closed; it takes no more messages");
    }
    EXPECT_THROW(store.close_chat(c.id, "co1", "", "closed by CO"), InvalidState);
    EXPECT_EQ(store.messages(c.id).size(), 1u);
}

TEST_F(StoreTest, AnotherCoTakesAnOpenChatOver) {
    Chat c = alice();
    EXPECT_EQ(c.co, "co1");
    now += 1000;
    Chat taken = store.take_chat(c.id, "co2");
    EXPECT_EQ(taken.co, "co2");
    EXPECT_EQ(taken.created_by, "co1");
    EXPECT_EQ(taken.state, ChatState::invited);
    EXPECT_EQ(taken.updated_at, now);
    EXPECT_EQ(store.get_chat(c.id).co, "co2");
    store.close_chat(c.id, "co2", "", "closed by CO");
    EXPECT_THROW(store.take_chat(c.id, "co1"), InvalidState);
    EXPECT_THROW(store.take_chat(99, "co1"), NotFound);
}

TEST_F(StoreTest, IllegalTransitionIsRefusedAndLeavesStateAlone) {
    Chat c = alice();
    try {
        store.transition(c.id, ChatState::delivered, "test");
        FAIL() << "invited became delivered";
    } catch (const InvalidState& e) {
        EXPECT_STREQ(e.what(), "chat 1 is invited and cannot become delivered");
    }
    EXPECT_EQ(store.get_chat(c.id).state, ChatState::invited);
}

TEST_F(StoreTest, WalksTheWholeLifeCycle) {
    Chat c = alice();
    store.transition(c.id, ChatState::active, "alice");
    store.close_chat(c.id, "co1", "", "closed by CO");
    store.transition(c.id, ChatState::delivering, "chat2rt");
    store.transition(c.id, ChatState::failed, "chat2rt");
    store.transition(c.id, ChatState::delivering, "co1");
    store.transition(c.id, ChatState::delivered, "chat2rt");
    EXPECT_EQ(store.transition(c.id, ChatState::purged, "reaper").state, ChatState::purged);
    Statement st(store.database(), "SELECT count(*) FROM state_changes WHERE chat_id = ?");
    st.bind(1, c.id);
    st.step();
    EXPECT_EQ(st.column_int(0), 7);
}

TEST_F(StoreTest, ListShowsOpenChatsNewestFirst) {
    Chat a = alice();
    Chat b = store.create_chat({"bob", "", std::nullopt, "", "co2", "", 0, {}});
    store.close_chat(a.id, "co1", "", "closed by CO");
    auto open = store.list_chats(false);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].id, b.id);
    auto all = store.list_chats(true);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, b.id);
    EXPECT_EQ(all[1].id, a.id);
}

TEST_F(StoreTest, GuestLinkReplacesAndClosingRevokes) {
    Chat c = alice();
    store.replace_guest_link(c.id, std::string(32, 'a'), now + 1000);
    store.replace_guest_link(c.id, std::string(32, 'b'), now + 1000);
    EXPECT_EQ(store.stats().live_guest_links, 1);
    now += 2000;
    EXPECT_EQ(store.stats().live_guest_links, 0) << "an expired link still counted as live";
    now -= 2000;
    store.close_chat(c.id, "co1", "", "closed by CO");
    EXPECT_EQ(store.stats().live_guest_links, 0);
    EXPECT_THROW(store.replace_guest_link(c.id, std::string(32, 'c'), now + 1000), InvalidState);
}

TEST_F(StoreTest, TransactionRollsBackUnlessCommitted) {
    Chat c = alice();
    {
        Transaction tx(store.database());
        Statement(store.database(), "DELETE FROM chats").run();
    }
    EXPECT_EQ(store.get_chat(c.id).user_name, "alice");
}

TEST(StoreFile, MigratesAnEmptyFileAndReopens) {
    auto path = fresh_db_file("migrate.db");
    {
        Store s(path.string());
        s.create_chat({"alice", "", std::nullopt, "", "co1", "", 0, {}});
    }
    Store again(path.string());
    EXPECT_EQ(again.get_chat(1).user_name, "alice");
    Statement v(again.database(), "PRAGMA user_version");
    v.step();
    EXPECT_EQ(v.column_int(0), current_schema_version());
    Statement mode(again.database(), "PRAGMA journal_mode");
    mode.step();
    EXPECT_EQ(mode.column_text(0), "wal");
}

TEST(StoreFile, RefusesANewerSchema) {
    auto path = fresh_db_file("newer.db");
    {
        Database db(path.string());
        db.exec("PRAGMA user_version = 999");
    }
    try {
        Store s(path.string());
        FAIL() << "opened a database from the future";
    } catch (const DbError& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 999, newer than this rtchat knows"),
                  std::string::npos)
            << e.what();
    }
}

TEST(StoreFile, AChatAndItsFirstLinkAppearTogether) {
    Store s(":memory:");
    Chat c = s.create_chat(
        {"alice", "", std::nullopt, "", "co1", std::string(32, 'h'), s.now() + 60000, {}});
    EXPECT_EQ(s.stats().live_guest_links, 1);
    // The same hash again violates the key: neither the chat nor the link stays.
    EXPECT_THROW(
        s.create_chat(
            {"bob", "", std::nullopt, "", "co1", std::string(32, 'h'), s.now() + 60000, {}}),
        DbError);
    EXPECT_EQ(s.list_chats(true).size(), 1u);
    EXPECT_EQ(s.list_chats(true)[0].id, c.id);
}

TEST_F(StoreTest, AGuestLinkIsSpentOnceForOneSession) {
    Chat c = alice();
    const std::string link(32, 'L');
    store.replace_guest_link(c.id, link, now + 60000);
    WebSession ws = store.redeem_guest_link(link, std::string(32, 'S'), now + 3600000);
    EXPECT_EQ(ws.chat_id, c.id);
    EXPECT_EQ(ws.user_name, "alice");
    EXPECT_EQ(store.get_chat(c.id).state, ChatState::active) << "the user came: the chat is active";
    EXPECT_EQ(store.find_session(std::string(32, 'S')).chat_id, c.id);
    try {
        store.redeem_guest_link(link, std::string(32, 'T'), now + 3600000);
        FAIL() << "a link was spent twice";
    } catch (const InvalidState& e) {
        EXPECT_STREQ(e.what(), "this link has already been used");
    }
    EXPECT_THROW(store.find_session(std::string(32, 'T')), NotFound);
}

TEST_F(StoreTest, ExpiredReplacedForgedAndEndedLinksAreRefused) {
    auto reason = [&](const std::string& link) {
        try {
            store.redeem_guest_link(link, std::string(32, 'S') + link, now + 1000);
        } catch (const StoreError& e) {
            return std::string(e.what());
        }
        return std::string("<accepted>");
    };
    Chat c = alice();
    store.replace_guest_link(c.id, std::string(32, 'a'), now + 1000);
    store.replace_guest_link(c.id, std::string(32, 'b'), now + 1000);
    EXPECT_EQ(reason(std::string(32, 'a')), "this link has been replaced by a newer one");
    EXPECT_EQ(reason(std::string(32, 'z')), "this link is not valid");
    now += 1000;
    EXPECT_EQ(reason(std::string(32, 'b')), "this link has expired");
    store.replace_guest_link(c.id, std::string(32, 'c'), now + 1000);
    store.close_chat(c.id, "co1", "", "closed by CO");
    EXPECT_EQ(reason(std::string(32, 'c')), "this chat has ended");
    EXPECT_EQ(store.get_chat(c.id).state, ChatState::closed);
}

TEST_F(StoreTest, SessionsEndWithTheirChatOrTheirTime) {
    Chat c = alice();
    store.replace_guest_link(c.id, std::string(32, 'L'), now + 60000);
    store.redeem_guest_link(std::string(32, 'L'), std::string(32, 'S'), now + 5000);
    now += 5000;
    EXPECT_THROW(store.find_session(std::string(32, 'S')), NotFound);
    now -= 5000;
    store.close_chat(c.id, "co1", "", "closed by CO");
    EXPECT_THROW(store.find_session(std::string(32, 'S')), NotFound);
}

TEST(StoreFile, UpgradesAVersion1DatabaseKeepingItsChats) {
    auto path = fresh_db_file("v1.db");
    {
        Database db(path.string());
        migrate(db, 1);
        db.exec("INSERT INTO chats (state, user_name, created_by, created_at, updated_at) "
                "VALUES ('active', 'old-alice', 'co1', 1, 1)");
    }
    Store upgraded(path.string());
    EXPECT_EQ(upgraded.get_chat(1).user_name, "old-alice");
    Statement v(upgraded.database(), "PRAGMA user_version");
    v.step();
    EXPECT_EQ(v.column_int(0), current_schema_version());
    EXPECT_THROW(upgraded.find_session(std::string(32, 'x')), NotFound);
}

TEST_F(StoreTest, EndedChatsGoThroughTheOutboxOnce) {
    Chat open = alice();
    Chat ended = store.create_chat({"bob", "", std::nullopt, "", "co1", "", 0, {}});
    store.close_chat(ended.id, "co1", "done", "closed by CO");
    auto to_spool = [](const Chat&) {
        return std::string("spool:/x");
    };
    EXPECT_EQ(store.enqueue_ended_chats(to_spool), 1);
    EXPECT_EQ(store.enqueue_ended_chats(to_spool), 0) << "a chat was queued twice";
    EXPECT_EQ(store.get_chat(ended.id).state, ChatState::delivering);
    EXPECT_EQ(store.get_chat(open.id).state, ChatState::invited);
    auto due = store.due_deliveries();
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].chat_id, ended.id);
    EXPECT_EQ(due[0].marker.rfind("rtchat-2-", 0), 0u);

    EXPECT_EQ(due[0].attempts, 0);
    store.delivery_started(ended.id);
    store.delivery_deferred(ended.id, "disk full", now + 60000);
    EXPECT_TRUE(store.due_deliveries().empty()) << "a deferred delivery is not due before its time";
    now += 60000;
    ASSERT_EQ(store.due_deliveries().size(), 1u);
    EXPECT_EQ(store.due_deliveries()[0].attempts, 1);
    EXPECT_EQ(store.due_deliveries()[0].last_error, "disk full");

    store.delivery_succeeded(ended.id, 77, "");
    EXPECT_EQ(store.get_chat(ended.id).state, ChatState::delivered);
    EXPECT_TRUE(store.due_deliveries().empty());
    EXPECT_EQ(store.delivery_of(ended.id)->rt_ticket, 77);
    EXPECT_TRUE(store.flagged_deliveries().empty());
    EXPECT_FALSE(store.delivery_of(open.id).has_value());
}

TEST_F(StoreTest, AFlaggedDeliveryIsListedForAPerson) {
    Chat c = alice();
    store.close_chat(c.id, "co1", "", "closed by CO");
    store.enqueue_ended_chats([](const Chat&) { return std::string("rt:main"); });
    store.delivery_succeeded(c.id, 12, "ticket 5: alice is not among its requestors");
    ASSERT_EQ(store.flagged_deliveries().size(), 1u);
    EXPECT_EQ(store.flagged_deliveries()[0].rt_ticket, 12);
    EXPECT_EQ(store.stats().transcripts_flagged, 1);
}

TEST_F(StoreTest, AFailedDeliveryCanBeRetriedOnRequest) {
    Chat c = alice();
    store.close_chat(c.id, "co1", "", "closed by CO");
    store.enqueue_ended_chats([](const Chat&) { return std::string("rt:main"); });
    EXPECT_THROW(store.retry_failed_delivery(c.id), NotFound) << "it has not failed";
    store.delivery_failed(c.id, "ticket 12345 does not exist");
    store.retry_failed_delivery(c.id);
    EXPECT_EQ(store.get_chat(c.id).state, ChatState::delivering);
    ASSERT_EQ(store.due_deliveries().size(), 1u);
    EXPECT_EQ(store.due_deliveries()[0].last_error, "ticket 12345 does not exist");
}

TEST_F(StoreTest, APermanentFailureKeepsTheChat) {
    Chat c = alice();
    store.close_chat(c.id, "co1", "", "closed by CO");
    store.enqueue_ended_chats([](const Chat&) { return std::string("rt:main"); });
    store.delivery_failed(c.id, "ticket 12345 does not exist");
    EXPECT_EQ(store.get_chat(c.id).state, ChatState::failed);
    ASSERT_EQ(store.deliveries("failed").size(), 1u);
    EXPECT_EQ(store.deliveries("failed")[0].last_error, "ticket 12345 does not exist");
    EXPECT_EQ(store.messages(c.id).size(), 0u);
    EXPECT_THROW(store.transition(c.id, ChatState::purged, "reaper"), InvalidState);
}
