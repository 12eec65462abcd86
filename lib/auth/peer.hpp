#pragma once
// Who is on the other end of a Unix socket, from the kernel
// (SO_PEERCRED, SO_PEERGROUPS), and whether that makes them a CO.

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rtchat::auth {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; ///< supplementary groups of the connecting process
};

/// Throws std::system_error when the kernel cannot say.
PeerCredentials peer_credentials(int fd);

/// The login name of `uid`, or "uid:N" when it has none.
std::string user_name(uid_t uid);

/// The full name of login `name` from the user database (GECOS), or the
/// login itself when there is none.
std::string display_name(const std::string& login);

/// The id of group `name`, if the system's group database has it.
std::optional<gid_t> group_id(const std::string& name);

/// True when the peer runs as the Unix user `name` (which must exist).
bool is_user(const PeerCredentials& peer, const std::string& name);

/// True when the login `name` is root or a member of `co_group` in the
/// system's user and group databases (for COs signed in through the web).
bool is_co_name(const std::string& name, const std::string& co_group);

/// Root, and members of `co_group` (by the connecting process's own groups),
/// are COs. A group that does not exist makes only root a CO.
bool is_co(const PeerCredentials& peer, const std::string& co_group);

} // namespace rtchat::auth
