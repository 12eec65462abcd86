// chat-webd's side of chatd, spoken as the web service user would: spend a
// guest link once, then read, write and follow only that session's chat.

#include "chatd_process.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using rtchat::test::ChatdProcess;
using rtchat::test::RawConnection;

namespace {

// Sends `requests` on one connection as uid/gid nobody, chat-webd's user in
// these tests; returns each reply.
std::vector<json> as_web_service(const std::string& socket, const std::vector<json>& requests) {
    auto result = rtchat::test::requests_as(65534, 65534, {}, socket, requests);
    EXPECT_EQ(result.failure, "");
    return result.replies;
}

std::string token_of(const json& start_reply) {
    const std::string url = start_reply["result"]["link"]["url"];
    return url.substr(url.rfind('/') + 1);
}

class ChatdWeb : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0)
            GTEST_SKIP() << "needs root to act as the web service user";
    }
};

} // namespace

TEST_F(ChatdWeb, UserSpendsTheLinkOnceAndChatsWithTheCo) {
    ChatdProcess chatd("", "web_user = nobody\n");
    RawConnection co(chatd.socket());
    json started = co.request({{"id", 1}, {"op", "start"}, {"user", "alice"}, {"rt_ticket", 7}});
    const int64_t chat = started["result"]["chat"]["id"];
    EXPECT_EQ(co.request({{"id", 2}, {"op", "subscribe"}, {"chat", chat}})["ok"], true);

    auto replies = as_web_service(chatd.socket(),
                                  {{{"id", 1}, {"op", "redeem"}, {"token", token_of(started)}}});
    ASSERT_EQ(replies.size(), 1u);
    ASSERT_EQ(replies[0]["ok"], true) << replies[0].dump();
    const std::string session = replies[0]["result"]["session"];
    EXPECT_EQ(session.size(), 43u);
    EXPECT_EQ(replies[0]["result"]["chat"]["state"], "active");
    EXPECT_EQ(replies[0]["result"]["chat"]["co"], "root");
    EXPECT_FALSE(replies[0]["result"]["chat"].contains("rt_ticket"))
        << "the user saw the chat's internals";
    // The CO hears that the user arrived.
    json arrived = co.read_event("chat");
    EXPECT_EQ(arrived["event"], "chat");
    EXPECT_EQ(arrived["chat"]["state"], "active");

    replies = as_web_service(
        chatd.socket(),
        {{{"id", 2}, {"op", "user_say"}, {"session", session}, {"text", "my printer is on fire"}},
         {{"id", 3}, {"op", "redeem"}, {"token", token_of(started)}},
         {{"id", 4}, {"op", "user_show"}, {"session", session}}});
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replies[0]["ok"], true) << replies[0].dump();
    EXPECT_EQ(replies[1]["error"]["code"], "invalid_state");
    EXPECT_EQ(replies[1]["error"]["message"], "this link has already been used");
    ASSERT_EQ(replies[2]["result"]["messages"].size(), 1u);
    EXPECT_EQ(replies[2]["result"]["messages"][0]["role"], "user");
    EXPECT_EQ(replies[2]["result"]["messages"][0]["author"], "alice");

    json heard = co.read_event("message");
    EXPECT_EQ(heard["event"], "message");
    EXPECT_EQ(heard["message"]["body"], "my printer is on fire");
}

TEST_F(ChatdWeb, ForgedLinksAndSessionsAreRefused) {
    ChatdProcess chatd("", "web_user = nobody\n");
    auto replies = as_web_service(
        chatd.socket(),
        {{{"id", 1}, {"op", "redeem"}, {"token", std::string(43, 'A')}},
         {{"id", 2}, {"op", "redeem"}, {"token", "../../etc/passwd"}},
         {{"id", 3}, {"op", "user_say"}, {"session", std::string(43, 'A')}, {"text", "x"}},
         {{"id", 4}, {"op", "user_show"}, {"session", ""}}});
    ASSERT_EQ(replies.size(), 4u);
    EXPECT_EQ(replies[0]["error"]["message"], "this link is not valid");
    EXPECT_EQ(replies[1]["error"]["message"], "this link is not valid");
    EXPECT_EQ(replies[2]["error"]["message"], "this session is not valid or has ended");
    EXPECT_EQ(replies[3]["error"]["code"], "not_found");
}

TEST_F(ChatdWeb, TheWebServiceCannotActAsACo) {
    ChatdProcess chatd("", "web_user = nobody\n");
    RawConnection co(chatd.socket());
    const int64_t chat =
        co.request({{"id", 1}, {"op", "start"}, {"user", "alice"}})["result"]["chat"]["id"];
    auto replies =
        as_web_service(chatd.socket(), {{{"id", 1}, {"op", "list"}},
                                        {{"id", 2}, {"op", "say"}, {"chat", chat}, {"text", "x"}},
                                        {{"id", 3}, {"op", "subscribe"}, {"chat", chat}},
                                        {{"id", 4}, {"op", "status"}}});
    ASSERT_EQ(replies.size(), 4u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(replies[static_cast<size_t>(i)]["error"]["code"], "not_authorised");
        EXPECT_NE(replies[static_cast<size_t>(i)]["error"]["message"].get<std::string>().find(
                      "is not for the web service"),
                  std::string::npos);
    }
    EXPECT_EQ(replies[3]["ok"], true);
    EXPECT_EQ(
        co.request(
            {{"id", 2}, {"op", "redeem"}, {"token", std::string(43, 'A')}})["error"]["message"],
        "not authorised: 'redeem' is not for COs");
}

TEST_F(ChatdWeb, TheWebServiceHearsOnlyTheUsersViewOfItsChat) {
    ChatdProcess chatd("", "web_user = nobody\n");
    RawConnection co(chatd.socket());
    json started = co.request({{"id", 1},
                               {"op", "start"},
                               {"user", "alice"},
                               {"email", "alice@example.org"},
                               {"rt_ticket", 4242}});
    const std::string session =
        as_web_service(chatd.socket(),
                       {{{"id", 1}, {"op", "redeem"}, {"token", token_of(started)}}})
            .at(0)["result"]["session"];
    // The CO closes the chat while the web service follows it.
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        RawConnection c(chatd.socket());
        c.request({{"id", 1},
                   {"op", "close"},
                   {"chat", started["result"]["chat"]["id"]},
                   {"summary", "internal: user's laptop is stolen property"}});
    });
    auto result = rtchat::test::requests_as(
        65534, 65534, {}, chatd.socket(),
        {{{"id", 1}, {"op", "user_subscribe"}, {"session", session}}}, false, 1);
    closer.join();
    ASSERT_EQ(result.replies.size(), 2u);
    const json& event = result.replies[1];
    EXPECT_EQ(event["event"], "chat");
    EXPECT_EQ(event["chat"]["state"], "closed");
    const std::string text = event.dump();
    for (const char* secret : {"4242", "alice@example.org", "stolen", "rt_ticket", "summary"})
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " reached the web service";
}

TEST_F(ChatdWeb, AClosedChatEndsItsSessions) {
    ChatdProcess chatd("", "web_user = nobody\n");
    RawConnection co(chatd.socket());
    json started = co.request({{"id", 1}, {"op", "start"}, {"user", "alice"}});
    auto replies = as_web_service(chatd.socket(),
                                  {{{"id", 1}, {"op", "redeem"}, {"token", token_of(started)}}});
    const std::string session = replies.at(0)["result"]["session"];
    co.request({{"id", 2}, {"op", "close"}, {"chat", started["result"]["chat"]["id"]}});
    replies = as_web_service(
        chatd.socket(), {{{"id", 1}, {"op", "user_say"}, {"session", session}, {"text", "hello?"}},
                         {{"id", 2}, {"op", "user_show"}, {"session", session}}});
    EXPECT_EQ(replies.at(0)["error"]["message"], "this session is not valid or has ended");
    // It may still learn that its chat ended (a page opening after the
    // close), and nothing else.
    EXPECT_EQ(replies.at(1)["result"]["chat"]["state"], "closed");
    EXPECT_EQ(replies.at(1)["result"]["messages"].size(), 0u);
}

TEST_F(ChatdWeb, PresenceTravelsBothWays) {
    ChatdProcess chatd("", "web_user = nobody\n");
    RawConnection starter(chatd.socket());
    json started = starter.request({{"id", 1}, {"op", "start"}, {"user", "alice"}});
    const int64_t chat = started["result"]["chat"]["id"];
    const std::string session =
        as_web_service(chatd.socket(),
                       {{{"id", 1}, {"op", "redeem"}, {"token", token_of(started)}}})
            .at(0)["result"]["session"];

    // The CO follows the chat: the web side hears the CO is online.
    RawConnection co(chatd.socket());
    std::thread follower([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        co.request({{"id", 1}, {"op", "subscribe"}, {"chat", chat}});
    });
    auto heard = rtchat::test::requests_as(
        65534, 65534, {}, chatd.socket(),
        {{{"id", 1}, {"op", "user_subscribe"}, {"session", session}}}, false, 1);
    follower.join();
    ASSERT_EQ(heard.replies.size(), 2u);
    EXPECT_EQ(heard.replies[1]["event"], "presence");
    EXPECT_EQ(heard.replies[1]["who"], "co");
    EXPECT_EQ(heard.replies[1]["state"], "online");
    EXPECT_EQ(heard.replies[1]["name"], "root");

    // The web reports the user's page; the CO hears each change once.
    auto replies = as_web_service(
        chatd.socket(),
        {{{"id", 1}, {"op", "user_presence"}, {"session", session}, {"state", "online"}},
         {{"id", 2}, {"op", "user_presence"}, {"session", session}, {"state", "online"}},
         {{"id", 3}, {"op", "user_presence"}, {"session", session}, {"state", "away"}},
         {{"id", 4}, {"op", "user_presence"}, {"session", session}, {"state", "asleep"}},
         {{"id", 5}, {"op", "user_presence"}, {"session", session}, {"state", "gone"}}});
    ASSERT_EQ(replies.size(), 5u);
    EXPECT_EQ(replies[3]["error"]["message"], "\"state\" must be online, away or gone");
    EXPECT_EQ(co.read_event("presence")["who"], "co") << "the CO hears their own presence first";
    for (const char* state : {"online", "away", "gone"}) {
        json e = co.read_event("presence");
        EXPECT_EQ(e["who"], "user");
        EXPECT_EQ(e["state"], state);
    }
    EXPECT_TRUE(co.read_event("presence", 200).is_null()) << "a repeated state was announced twice";
    EXPECT_EQ(co.request({{"id", 2}, {"op", "show"}, {"chat", chat}})["result"]["user_presence"],
              "gone");
}
