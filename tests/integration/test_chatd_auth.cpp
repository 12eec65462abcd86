// Authorisation by the socket peer's credentials: root and the CO group's
// members are COs; anyone else is told so and disconnected.

#include "chatd_process.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;
using rtchat::test::ChatdProcess;
using rtchat::test::RawConnection;

namespace {

constexpr uid_t nobody = 65534;
constexpr gid_t nogroup = 65534;

// Runs `request` as uid nobody with the given supplementary groups, in a
// child process; returns the reply line.
std::string request_as_nobody(const std::string& socket, const std::vector<gid_t>& groups,
                              const json& request, bool* closed_after = nullptr) {
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        if (setgroups(groups.size(), groups.data()) != 0 || setgid(nogroup) != 0 ||
            setuid(nobody) != 0)
            _exit(3);
        std::string out;
        try {
            RawConnection c(socket);
            out = c.request(request).dump();
            if (closed_after)
                out += c.closed_by_peer() ? "\nclosed" : "\nopen";
            else
                out += "\n-";
        } catch (const std::exception& e) {
            out = std::string("error: ") + e.what() + "\n-";
        }
        (void)!write(pipefd[1], out.data(), out.size());
        _exit(0);
    }
    close(pipefd[1]);
    std::string result;
    char buf[4096];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;)
        result.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    const size_t nl = result.rfind('\n');
    if (closed_after)
        *closed_after = nl != std::string::npos && result.substr(nl + 1) == "closed";
    return nl == std::string::npos ? result : result.substr(0, nl);
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
    std::string reply = request_as_nobody(chatd.socket(), {}, {{"id", 1}, {"op", "list"}}, &closed);
    json r = json::parse(reply);
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
    json r = json::parse(request_as_nobody(
        chatd.socket(), {}, {{"id", 1}, {"op", "say"}, {"chat", chat}, {"text", "x"}}));
    EXPECT_EQ(r["error"]["code"], "not_authorised");
    EXPECT_EQ(
        root.request({{"id", 2}, {"op", "show"}, {"chat", chat}})["result"]["messages"].size(), 0u);
}

TEST_F(ChatdAuth, MemberOfTheCoGroupIsACo) {
    ChatdProcess chatd("", "co_group = users\n");
    json r = json::parse(request_as_nobody(chatd.socket(), {co_gid},
                                           {{"id", 1}, {"op", "start"}, {"user", "alice"}}));
    EXPECT_EQ(r["ok"], true) << r.dump();
    EXPECT_EQ(r["result"]["chat"]["created_by"], "nobody");
}

TEST_F(ChatdAuth, AMissingCoGroupLeavesOnlyRoot) {
    ChatdProcess chatd("", "co_group = no-such-group-here\n");
    json r = json::parse(request_as_nobody(chatd.socket(), {co_gid}, {{"id", 1}, {"op", "list"}}));
    EXPECT_EQ(r["error"]["code"], "not_authorised");
    RawConnection root(chatd.socket());
    EXPECT_EQ(root.request({{"id", 1}, {"op", "list"}})["ok"], true);
}
