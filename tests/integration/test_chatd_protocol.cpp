// chatd's protocol against a running chatd: bad input gets a clear error and
// the daemon keeps serving; events fan out; acknowledged messages survive
// SIGKILL.

#include "../unit/tsv.hpp"
#include "chatd_process.hpp"

#include <gtest/gtest.h>
#include <set>
#include <sys/wait.h>

using nlohmann::json;
using rtchat::test::ChatdProcess;
using rtchat::test::RawConnection;

namespace {

int64_t start_chat(RawConnection& c, const std::string& user = "alice") {
    json r = c.request({{"id", 1}, {"op", "start"}, {"user", user}});
    EXPECT_EQ(r["ok"], true) << r.dump();
    return r["result"]["chat"]["id"].get<int64_t>();
}

void expect_error(const json& reply, const std::string& code, const std::string& message) {
    ASSERT_FALSE(reply.is_null()) << "no reply";
    EXPECT_EQ(reply["ok"], false) << reply.dump();
    EXPECT_EQ(reply["error"]["code"], code) << reply.dump();
    EXPECT_EQ(reply["error"]["message"], message) << reply.dump();
}

} // namespace

TEST(ChatdProtocol, MalformedRequestsAreRefusedAndTheConnectionGoesOn) {
    ChatdProcess chatd;
    RawConnection c(chatd.socket());
    for (const auto& row : read_tsv("bad_requests.tsv")) {
        c.send(unescape(row[2]) + "\n");
        expect_error(c.read_json(), row[0], row[1]);
    }
    json ok = c.request({{"id", 99}, {"op", "status"}});
    EXPECT_EQ(ok["ok"], true);
    EXPECT_EQ(ok["id"], 99);
}

TEST(ChatdProtocol, ArgumentErrorsSayWhatIsWrong) {
    ChatdProcess chatd;
    RawConnection c(chatd.socket());
    const int64_t chat = start_chat(c);
    expect_error(c.request({{"id", 1}, {"op", "frobnicate"}}), "bad_request",
                 "unknown op 'frobnicate'");
    expect_error(c.request({{"id", 2}, {"op", "say"}, {"chat", chat}}), "bad_request",
                 "missing \"text\"");
    expect_error(c.request({{"id", 3}, {"op", "say"}, {"chat", "one"}, {"text", "x"}}),
                 "bad_request", "\"chat\" must be a positive whole number");
    expect_error(c.request({{"id", 4}, {"op", "say"}, {"chat", 999}, {"text", "x"}}), "not_found",
                 "no chat 999");
    expect_error(c.request({{"id", 5}, {"op", "say"}, {"chat", chat}, {"text", " \n "}}),
                 "bad_request", "message is empty");
    expect_error(c.request({{"id", 6}, {"op", "say"}, {"chat", chat}, {"text", "red \x1b[31m"}}),
                 "bad_request", "message contains control characters");
    expect_error(
        c.request({{"id", 7}, {"op", "say"}, {"chat", chat}, {"text", std::string(8193, 'x')}}),
        "too_large", "message is 8193 bytes; the limit is 8192");
    expect_error(
        c.request({{"id", 8}, {"op", "start"}, {"user", "bob"}, {"email", "not an address"}}),
        "bad_request", "'not an address' is not an email address such as alice@example.org");
    expect_error(c.request({{"id", 9}, {"op", "start"}, {"user", ""}}), "bad_request",
                 "user name is empty");
    expect_error(
        c.request(
            {{"id", 10}, {"op", "close"}, {"chat", chat}, {"summary", std::string(9000, 's')}}),
        "too_large", "summary is 9000 bytes; the limit is 8192");
    // Nothing refused was stored.
    json shown = c.request({{"id", 11}, {"op", "show"}, {"chat", chat}});
    EXPECT_EQ(shown["result"]["messages"].size(), 0u);
    EXPECT_EQ(shown["result"]["chat"]["state"], "invited");
}

TEST(ChatdProtocol, ClosedChatsTakeNoMessages) {
    ChatdProcess chatd;
    RawConnection c(chatd.socket());
    const int64_t chat = start_chat(c);
    json closed = c.request({{"id", 1}, {"op", "close"}, {"chat", chat}, {"summary", "done"}});
    EXPECT_EQ(closed["result"]["chat"]["state"], "closed");
    expect_error(c.request({{"id", 2}, {"op", "say"}, {"chat", chat}, {"text", "late"}}),
                 "invalid_state", "chat 1 is closed; it takes no more messages");
    expect_error(c.request({{"id", 3}, {"op", "close"}, {"chat", chat}}), "invalid_state",
                 "chat 1 is already closed");
    expect_error(c.request({{"id", 4}, {"op", "link"}, {"chat", chat}}), "invalid_state",
                 "chat 1 is closed; it has no link any more");
}

TEST(ChatdProtocol, OversizedLinesAreRefusedWithoutBufferingThem) {
    ChatdProcess chatd("", "max_request_bytes = 4096\n");
    RawConnection c(chatd.socket());
    c.send(std::string(10000, 'x') + "\n");
    expect_error(c.read_json(), "too_large", "request is longer than 4096 bytes");
    EXPECT_EQ(c.request({{"id", 1}, {"op", "status"}})["ok"], true);

    // A megabyte with no newline at all: refused once, dropped, and other
    // clients are served meanwhile.
    RawConnection flood(chatd.socket());
    flood.send(std::string(1 << 20, '{'));
    expect_error(flood.read_json(), "too_large", "request is longer than 4096 bytes");
    EXPECT_EQ(c.request({{"id", 2}, {"op", "status"}})["ok"], true);
    flood.send("\n");
    EXPECT_EQ(flood.request({{"id", 3}, {"op", "status"}})["ok"], true);
}

TEST(ChatdProtocol, ManyClientsAndAbruptDisconnects) {
    ChatdProcess chatd;
    std::vector<std::unique_ptr<RawConnection>> clients;
    for (int i = 0; i < 200; ++i)
        clients.push_back(std::make_unique<RawConnection>(chatd.socket()));
    // Half of them vanish with a request half written.
    for (size_t i = 0; i < clients.size(); i += 2) {
        clients[i]->send("{\"id\":1,\"op\":\"sta");
        clients[i].reset();
    }
    for (size_t i = 1; i < clients.size(); i += 2)
        EXPECT_EQ(clients[i]->request({{"id", 1}, {"op", "status"}})["ok"], true);
    json status = clients[1]->request({{"id", 2}, {"op", "status"}});
    EXPECT_EQ(status["result"]["clients"], 100);
}

TEST(ChatdProtocol, EventsFanOutToSubscribersOnce) {
    ChatdProcess chatd;
    RawConnection co(chatd.socket());
    const int64_t chat = start_chat(co);
    RawConnection watcher(chatd.socket());
    RawConnection all(chatd.socket());
    EXPECT_EQ(watcher.request({{"id", 1}, {"op", "subscribe"}, {"chat", chat}})["ok"], true);
    EXPECT_EQ(all.request({{"id", 1}, {"op", "subscribe"}})["ok"], true);

    json said =
        co.request({{"id", 2}, {"op", "say"}, {"chat", chat}, {"text", "<b>hi</b> & \"you\""}});
    const int64_t message_id = said["result"]["message"]["id"];
    for (RawConnection* c : {&watcher, &all}) {
        json e = c->read_event("message");
        EXPECT_EQ(e["event"], "message");
        EXPECT_EQ(e["chat"], chat);
        EXPECT_EQ(e["message"]["id"], message_id);
        EXPECT_EQ(e["message"]["body"], "<b>hi</b> & \"you\"");
        EXPECT_EQ(e["message"]["author"], "root");
    }
    // Another chat's message reaches the all-chats watcher only.
    const int64_t other = start_chat(co, "bob");
    co.request({{"id", 3}, {"op", "say"}, {"chat", other}, {"text", "elsewhere"}});
    EXPECT_EQ(all.read_event("chat")["event"], "chat");
    EXPECT_EQ(all.read_event("message")["message"]["body"], "elsewhere");
    EXPECT_EQ(watcher.read_line(300), "") << "an unrelated event reached a chat subscriber";

    co.request({{"id", 4}, {"op", "close"}, {"chat", chat}});
    json closed = watcher.read_event("chat");
    EXPECT_EQ(closed["event"], "chat");
    EXPECT_EQ(closed["chat"]["state"], "closed");
}

TEST(ChatdProtocol, SubscribeAfterReplaysWhatWasMissed) {
    ChatdProcess chatd;
    RawConnection co(chatd.socket());
    const int64_t chat = start_chat(co);
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(co.request({{"id", i},
                                  {"op", "say"},
                                  {"chat", chat},
                                  {"text", "m" + std::to_string(i)}})["result"]["message"]["id"]);
    RawConnection late(chatd.socket());
    late.send(json{{"id", 1}, {"op", "subscribe"}, {"chat", chat}, {"after", ids[1]}}.dump() +
              "\n");
    for (int i = 2; i < 5; ++i) {
        json e = late.read_event("message");
        EXPECT_EQ(e["message"]["id"], ids[static_cast<size_t>(i)]);
    }
    json reply = late.read_json();
    EXPECT_EQ(reply["id"], 1);
    EXPECT_EQ(reply["result"]["replayed"], 3);
}

// Every acknowledged message is in the store when chatd dies with SIGKILL
// in the middle of a burst, and chatd starts again on the same store.
TEST(ChatdProtocol, AcknowledgedMessagesSurviveSigkill) {
    ChatdProcess chatd;
    int64_t chat = 0;
    {
        RawConnection c(chatd.socket());
        chat = start_chat(c);
    }
    RawConnection burst(chatd.socket());
    std::string requests;
    for (int i = 0; i < 3000; ++i)
        requests +=
            json{{"id", i}, {"op", "say"}, {"chat", chat}, {"text", "burst " + std::to_string(i)}}
                .dump() +
            "\n";
    burst.send(requests);
    std::set<int64_t> acked;
    for (int i = 0; i < 200; ++i) {
        json r = burst.read_json();
        ASSERT_EQ(r["ok"], true);
        acked.insert(r["result"]["message"]["id"].get<int64_t>());
    }
    chatd.kill_hard();
    // Replies already sent but not yet read were acknowledged too.
    for (json r = burst.read_json(200); !r.is_null(); r = burst.read_json(200))
        acked.insert(r["result"]["message"]["id"].get<int64_t>());
    ASSERT_LT(acked.size(), 3000u) << "the burst finished before the kill; nothing was tested";

    chatd.start();
    RawConnection after(chatd.socket());
    json shown = after.request({{"id", 1}, {"op", "show"}, {"chat", chat}});
    std::set<int64_t> stored;
    for (const json& m : shown["result"]["messages"])
        stored.insert(m["id"].get<int64_t>());
    for (int64_t id : acked)
        EXPECT_TRUE(stored.contains(id)) << "acknowledged message " << id << " was lost";
    EXPECT_EQ(
        after.request({{"id", 2}, {"op", "say"}, {"chat", chat}, {"text", "after restart"}})["ok"],
        true);
}

TEST(ChatdProtocol, SigtermStopsCleanlyAndRemovesTheSocket) {
    ChatdProcess chatd;
    const std::string socket = chatd.socket();
    int status = chatd.stop();
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_THROW(RawConnection{socket}, std::runtime_error);
}
