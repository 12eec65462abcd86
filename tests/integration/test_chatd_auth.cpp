// Authorisation by the socket peer's credentials: root and the CO group's
// members are COs; anyone else is told so and disconnected.

#include "chatd_process.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

using nlohmann::json;
using rtchat::test::ChatdProcess;
using rtchat::test::RawConnection;

namespace {

constexpr uid_t nobody = 65534;
constexpr gid_t nogroup = 65534;

// The first reply `request` gets as uid nobody with `groups`.
json request_as_nobody(const std::string& socket, const std::vector<gid_t>& groups,
                       const json& request, bool* closed_after = nullptr) {
    auto result = rtchat::test::requests_as(nobody, nogroup, groups, socket, {request},
                                            closed_after != nullptr);
    EXPECT_EQ(result.failure, "");
    if (closed_after)
        *closed_after = result.closed_after;
    return result.replies.empty() ? json() : result.replies[0];
}

} // namespace

class ChatdAuth : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0)
            GTEST_SKIP() << "needs root to act as another user";
        group* users = getgrnam("users");
        ASSERT_NE(users, nullptr) << "the 'users' group is missing";
        co_gid = users->gr_gid;
    }
    gid_t co_gid = 0;
};

TEST_F(ChatdAuth, OutsiderIsRefusedAndDisconnected) {
    ChatdProcess chatd("", "co_group = users\n");
    bool closed = false;
    json r = request_as_nobody(chatd.socket(), {}, {{"id", 1}, {"op", "list"}}, &closed);
    EXPECT_EQ(r["ok"], false);
    EXPECT_EQ(r["error"]["code"], "not_authorised");
    EXPECT_EQ(r["error"]["message"],
              "not authorised: nobody (uid 65534) is not a CO; only root and members of group "
              "'users' may use chatd");
    EXPECT_TRUE(closed) << "chatd kept talking to an outsider";
    // chatd serves its COs as before.
    RawConnection root(chatd.socket());
    EXPECT_EQ(root.request({{"id", 1}, {"op", "list"}})["ok"], true);
}

TEST_F(ChatdAuth, OutsiderCannotSayIntoAChat) {
    ChatdProcess chatd("", "co_group = users\n");
    RawConnection root(chatd.socket());
    const int64_t chat =
        root.request({{"id", 1}, {"op", "start"}, {"user", "alice"}})["result"]["chat"]["id"];
    json r = request_as_nobody(chatd.socket(), {},
                               {{"id", 1}, {"op", "say"}, {"chat", chat}, {"text", "x"}});
    EXPECT_EQ(r["error"]["code"], "not_authorised");
    EXPECT_EQ(
        root.request({{"id", 2}, {"op", "show"}, {"chat", chat}})["result"]["messages"].size(), 0u);
}

TEST_F(ChatdAuth, MemberOfTheCoGroupIsACo) {
    ChatdProcess chatd("", "co_group = users\n");
    json r = request_as_nobody(chatd.socket(), {co_gid},
                               {{"id", 1}, {"op", "start"}, {"user", "alice"}});
    EXPECT_EQ(r["ok"], true) << r.dump();
    EXPECT_EQ(r["result"]["chat"]["created_by"], "nobody");
}

TEST_F(ChatdAuth, AMissingCoGroupLeavesOnlyRoot) {
    ChatdProcess chatd("", "co_group = no-such-group-here\n");
    json r = request_as_nobody(chatd.socket(), {co_gid}, {{"id", 1}, {"op", "list"}});
    EXPECT_EQ(r["error"]["code"], "not_authorised");
    RawConnection root(chatd.socket());
    EXPECT_EQ(root.request({{"id", 1}, {"op", "list"}})["ok"], true);
}
