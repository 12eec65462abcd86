#pragma once
// A real chatd in a temporary folder, with a generated configuration, and a
// raw socket connection to speak the protocol byte for byte.

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rtchat::test {

class ChatdProcess {
public:
    /// Starts chatd with `extra_config` appended (whole sections).
    explicit ChatdProcess(const std::string& extra_config = "",
                          const std::string& chatd_section = "");
    ~ChatdProcess();
    ChatdProcess(const ChatdProcess&) = delete;
    ChatdProcess& operator=(const ChatdProcess&) = delete;

    void start();
    /// SIGKILL, and reap.
    void kill_hard();
    /// SIGTERM; returns the exit status.
    int stop();
    bool running() const { return pid_ > 0; }

    const std::string& dir() const { return dir_; }
    std::string socket() const { return dir_ + "/chatd.sock"; }
    std::string config_file() const { return dir_ + "/rtchat.conf"; }
    std::string log_file() const { return dir_ + "/chatd.log"; }

private:
    std::string dir_;
    pid_t pid_ = -1;
};

class RawConnection {
public:
    explicit RawConnection(const std::string& socket);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(const std::string& bytes);
    /// The next line, or "" after `timeout_ms` or when the peer closed.
    std::string read_line(int timeout_ms = 5000);
    /// The next line as JSON (an event kept aside by request() first), or null.
    nlohmann::json read_json(int timeout_ms = 5000);
    /// The next event named `name`, skipping others; null after the timeout.
    nlohmann::json read_event(const std::string& name, int timeout_ms = 5000);
    /// Sends one request and returns its reply; events that arrive first
    /// are kept for read_json() and read_event().
    nlohmann::json request(const nlohmann::json& body);
    /// True once the peer has closed the connection.
    bool closed_by_peer(int timeout_ms = 2000);
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::string buffer_;
    std::deque<nlohmann::json> events_;
};

/// What a process running as another user got from chatd.
struct AsUserResult {
    std::vector<nlohmann::json> replies;
    bool closed_after = false; ///< chatd closed the connection after the last reply
    std::string failure;       ///< why the child could not talk to chatd, if it could not
};

/// Forks a child that drops to `uid`/`gid` with `groups` as its supplementary
/// groups, sends `requests` on one connection and reads a reply to each.
/// Needs root. With `check_closed`, waits up to 2 s to see chatd hang up.
/// Then collects `events` more lines (events), waiting up to 5 s for each.
AsUserResult requests_as(uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                         const std::string& socket, const std::vector<nlohmann::json>& requests,
                         bool check_closed = false, int events = 0);

} // namespace rtchat::test
