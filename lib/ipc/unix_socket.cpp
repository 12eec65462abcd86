#include "ipc/unix_socket.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace rtchat::ipc {
namespace {

sockaddr_un address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        throw std::runtime_error(fmt::format("socket path too long ({} bytes, at most {}): {}",
                                             path.size(), sizeof addr.sun_path - 1, path));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

} // namespace

void Fd::reset() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK)");
}

Fd connect_unix(const std::string& path) {
    sockaddr_un addr = address(path);
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket");
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::system_error(errno, std::generic_category(), path);
    return fd;
}

Fd listen_unix(const std::string& path, unsigned mode, std::optional<gid_t> group) {
    sockaddr_un addr = address(path);
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty())
        std::filesystem::create_directories(parent);

    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw std::runtime_error(fmt::format(
                "{} exists and is not a socket; remove it or set [chatd] socket", path));
        bool live = false;
        try {
            connect_unix(path);
            live = true;
        } catch (const std::system_error&) {
        }
        if (live)
            throw std::runtime_error(
                fmt::format("another chatd is already serving {}; stop it first", path));
        unlink(path.c_str());
    }

    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket");
    // The umask makes the socket appear with its final mode, never wider.
    mode_t old = umask(static_cast<mode_t>(~mode & 0777));
    int rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int bind_errno = errno;
    umask(old);
    if (rc != 0)
        throw std::system_error(bind_errno, std::generic_category(), "bind " + path);
    if (chmod(path.c_str(), mode) != 0)
        throw std::system_error(errno, std::generic_category(), "chmod " + path);
    if (group && chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0)
        throw std::system_error(errno, std::generic_category(), "chown " + path);
    if (listen(fd.get(), 512) != 0)
        throw std::system_error(errno, std::generic_category(), "listen " + path);
    return fd;
}

} // namespace rtchat::ipc
