// The event-loop client chat-webd will use, against a real chatd that is
// killed and started again under it.

#include "chatd_process.hpp"
#include "ipc/async_client.hpp"

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>

using nlohmann::json;
using rtchat::ipc::AsyncClient;
using rtchat::ipc::EventLoop;
using rtchat::ipc::Reply;
using rtchat::test::ChatdProcess;
using rtchat::test::RawConnection;

namespace {

// Runs the loop until `done` is true or `ms` have passed; returns `done`.
bool run_until(EventLoop& loop, const std::function<bool()>& done, int ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto tick = loop.every(std::chrono::milliseconds(5), [&] {
        if (done() || std::chrono::steady_clock::now() > deadline)
            loop.stop();
    });
    if (!done())
        loop.run();
    loop.remove(tick);
    return done();
}

} // namespace

TEST(AsyncClient, RepliesAndEventsArriveThroughTheLoop) {
    ChatdProcess chatd;
    EventLoop loop;
    std::vector<json> events;
    int connects = 0;
    AsyncClient client(
        loop, chatd.socket(), [&](const json& e) { events.push_back(e); },
        [&](bool up) { connects += up ? 1 : 0; });
    client.start();
    EXPECT_TRUE(client.connected());
    EXPECT_EQ(connects, 1);

    std::optional<Reply> started;
    client.request("start", {{"user", "alice"}}, [&](const Reply& r) { started = r; });
    ASSERT_TRUE(run_until(loop, [&] { return started.has_value(); }));
    ASSERT_TRUE(started->ok) << started->message;
    const int64_t chat = started->result["chat"]["id"];

    std::optional<Reply> subscribed;
    client.request("subscribe", {{"chat", chat}}, [&](const Reply& r) { subscribed = r; });
    ASSERT_TRUE(run_until(loop, [&] { return subscribed.has_value(); }));

    RawConnection co(chatd.socket());
    co.request({{"id", 1}, {"op", "say"}, {"chat", chat}, {"text", "hello loop"}});
    auto said = [&] {
        for (const json& e : events)
            if (e["event"] == "message")
                return e;
        return json();
    };
    ASSERT_TRUE(run_until(loop, [&] { return !said().is_null(); }));
    EXPECT_EQ(said()["message"]["body"], "hello loop");

    std::optional<Reply> refused;
    client.request("show", {{"chat", 999}}, [&](const Reply& r) { refused = r; });
    ASSERT_TRUE(run_until(loop, [&] { return refused.has_value(); }));
    EXPECT_FALSE(refused->ok);
    EXPECT_EQ(refused->code, rtchat::proto::ErrorCode::not_found);
    EXPECT_EQ(refused->message, "no chat 999");
}

TEST(AsyncClient, SurvivesChatdDyingAndComingBack) {
    ChatdProcess chatd;
    EventLoop loop;
    std::vector<bool> states;
    AsyncClient client(loop, chatd.socket(), nullptr, [&](bool up) { states.push_back(up); });
    client.start();

    // Many requests in flight when chatd dies: each is answered once.
    int answered = 0;
    for (int i = 0; i < 200; ++i)
        client.request("status", json::object(), [&](const Reply&) { ++answered; });
    chatd.kill_hard();
    ASSERT_TRUE(run_until(loop, [&] { return answered == 200 && !client.connected(); }));
    EXPECT_EQ(client.pending(), 0u);

    std::optional<Reply> while_down;
    client.request("status", json::object(), [&](const Reply& r) { while_down = r; });
    ASSERT_TRUE(while_down.has_value()) << "a request while down must be answered at once";
    EXPECT_EQ(while_down->message, "chatd is not connected; try again shortly");

    chatd.start();
    ASSERT_TRUE(run_until(
        loop, [&] { return client.connected(); }, 4000))
        << "no reconnect within the first backoff";
    std::optional<Reply> after;
    client.request("status", json::object(), [&](const Reply& r) { after = r; });
    ASSERT_TRUE(run_until(loop, [&] { return after.has_value(); }));
    EXPECT_TRUE(after->ok);
    ASSERT_GE(states.size(), 3u);
    EXPECT_EQ(states[0], true);
    EXPECT_EQ(states[1], false);
    EXPECT_EQ(states.back(), true);
}

TEST(AsyncClient, StartsBeforeChatdAndConnectsLater) {
    ChatdProcess chatd;
    chatd.kill_hard();
    std::filesystem::remove(chatd.socket());
    EventLoop loop;
    AsyncClient client(loop, chatd.socket(), nullptr, nullptr);
    client.start();
    EXPECT_FALSE(client.connected());
    chatd.start();
    EXPECT_TRUE(run_until(
        loop, [&] { return client.connected(); }, 4000));
}
