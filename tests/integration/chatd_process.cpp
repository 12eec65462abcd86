#include "chatd_process.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace rtchat::test {

ChatdProcess::ChatdProcess(const std::string& extra_config, const std::string& chatd_section) {
    char templ[] = "/tmp/rtchat-it-XXXXXX";
    if (!mkdtemp(templ))
        throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    // Other users must reach the socket for the authorisation tests.
    chmod(dir_.c_str(), 0755);
    std::ofstream conf(config_file());
    conf << "[store]\npath = " << dir_ << "/rtchat.db\nsynchronous = full\n"
         << "[chatd]\nsocket = " << socket() << "\nsocket_mode = 0666\n"
         << chatd_section << "\n[log]\nlevel = debug\n"
         << extra_config;
    conf.close();
    start();
}

ChatdProcess::~ChatdProcess() {
    if (pid_ > 0)
        kill_hard();
    std::filesystem::remove_all(dir_);
}

void ChatdProcess::start() {
    pid_ = fork();
    if (pid_ == 0) {
        int log = open(log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, STDERR_FILENO);
        execl(CHATD_BINARY, "chatd", "-c", config_file().c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Ready when the socket answers.
    for (int i = 0; i < 500; ++i) {
        try {
            RawConnection probe(socket());
            return;
        } catch (const std::exception&) {
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("chatd exited at start; see " + log_file());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("chatd did not open its socket within 5 s");
}

void ChatdProcess::kill_hard() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

int ChatdProcess::stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
}

RawConnection::RawConnection(const std::string& socket) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        close(fd_);
        fd_ = -1;
        throw std::runtime_error(std::string("connect: ") + strerror(err));
    }
}

RawConnection::~RawConnection() {
    if (fd_ >= 0)
        close(fd_);
}

void RawConnection::send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n <= 0)
            throw std::runtime_error(std::string("send: ") + strerror(errno));
        off += static_cast<size_t>(n);
    }
}

std::string RawConnection::read_line(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0)
            return "";
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0)
            continue;
        char buf[65536];
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0)
            return "";
        buffer_.append(buf, static_cast<size_t>(n));
    }
}

nlohmann::json RawConnection::read_json(int timeout_ms) {
    if (!events_.empty()) {
        nlohmann::json e = std::move(events_.front());
        events_.pop_front();
        return e;
    }
    std::string line = read_line(timeout_ms);
    if (line.empty())
        return nullptr;
    return nlohmann::json::parse(line);
}

nlohmann::json RawConnection::read_event(const std::string& name, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0)
            return nullptr;
        nlohmann::json j = read_json(static_cast<int>(left));
        if (j.is_null() || j.value("event", "") == name)
            return j;
    }
}

nlohmann::json RawConnection::request(const nlohmann::json& body) {
    send(body.dump() + "\n");
    for (;;) {
        std::string line = read_line(5000);
        if (line.empty())
            return nullptr;
        nlohmann::json j = nlohmann::json::parse(line);
        if (!j.contains("event"))
            return j;
        events_.push_back(std::move(j));
    }
}

bool RawConnection::closed_by_peer(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

AsUserResult requests_as(uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                         const std::string& socket, const std::vector<nlohmann::json>& requests,
                         bool check_closed, int events) {
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return {{}, false, "pipe failed"};
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        nlohmann::json out{{"replies", nlohmann::json::array()}, {"closed", false}};
        if (setgroups(groups.size(), groups.data()) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
            out["failure"] = "could not drop privileges";
        } else {
            try {
                RawConnection c(socket);
                for (const nlohmann::json& r : requests)
                    out["replies"].push_back(c.request(r));
                if (check_closed)
                    out["closed"] = c.closed_by_peer();
                for (int i = 0; i < events; ++i)
                    out["replies"].push_back(c.read_json());
            } catch (const std::exception& e) {
                out["failure"] = e.what();
            }
        }
        const std::string text = out.dump();
        (void)!write(pipefd[1], text.data(), text.size());
        _exit(0);
    }
    close(pipefd[1]);
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_object())
        return {{}, false, "the child said nothing"};
    return {parsed["replies"].get<std::vector<nlohmann::json>>(), parsed["closed"].get<bool>(),
            parsed.value("failure", "")};
}

} // namespace rtchat::test
