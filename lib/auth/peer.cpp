#include "auth/peer.hpp"

#include <algorithm>
#include <cerrno>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <system_error>

namespace rtchat::auth {

PeerCredentials peer_credentials(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        throw std::system_error(errno, std::generic_category(), "SO_PEERCRED");
    PeerCredentials peer{cred.pid, cred.uid, cred.gid, {}};

    std::vector<gid_t> groups(64);
    for (;;) {
        socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
            groups.resize(bytes / sizeof(gid_t));
            break;
        }
        if (errno != ERANGE)
            throw std::system_error(errno, std::generic_category(), "SO_PEERGROUPS");
        groups.resize(bytes / sizeof(gid_t) + 1);
    }
    peer.groups = std::move(groups);
    return peer;
}

std::string user_name(uid_t uid) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(4096);
    if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found)
        return found->pw_name;
    return "uid:" + std::to_string(uid);
}

std::optional<gid_t> group_id(const std::string& name) {
    group gr{};
    group* found = nullptr;
    std::vector<char> buf(16384);
    if (name.empty() || getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 ||
        !found)
        return std::nullopt;
    return found->gr_gid;
}

namespace {

struct Account {
    uid_t uid;
    gid_t gid;
    std::string gecos;
};

std::optional<Account> account(const std::string& name) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(4096);
    if (name.empty() || getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
        !found)
        return std::nullopt;
    return Account{found->pw_uid, found->pw_gid, found->pw_gecos ? found->pw_gecos : ""};
}

} // namespace

std::string display_name(const std::string& login) {
    const auto a = account(login);
    // GECOS: "Full Name,room,phone,...": the first field is the name.
    const std::string full = a ? a->gecos.substr(0, a->gecos.find(',')) : "";
    return full.empty() ? login : full;
}

bool group_exists(const std::string& name) {
    return group_id(name).has_value();
}

bool is_user(const PeerCredentials& peer, const std::string& name) {
    const auto a = account(name);
    return a && a->uid == peer.uid;
}

bool is_co_name(const std::string& name, const std::string& co_group) {
    const auto a = account(name);
    if (!a)
        return false;
    if (a->uid == 0)
        return true;
    const auto co = group_id(co_group);
    if (!co)
        return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (getgrouplist(name.c_str(), a->gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<size_t>(count));
        getgrouplist(name.c_str(), a->gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(count));
    return std::find(groups.begin(), groups.end(), *co) != groups.end();
}

bool is_co(const PeerCredentials& peer, const std::string& co_group) {
    if (peer.uid == 0)
        return true;
    const auto co = group_id(co_group);
    return co && (peer.gid == *co ||
                  std::find(peer.groups.begin(), peer.groups.end(), *co) != peer.groups.end());
}

} // namespace rtchat::auth
