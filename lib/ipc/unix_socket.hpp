#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace rtchat::ipc {

/// An owned file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd)
        : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept
        : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.release();
        }
        return *this;
    }
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset();
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

/// Binds a listening stream socket at `path` with `mode` (and owned by
/// `group` when given). A stale socket is replaced; a live one (another chatd answers) is
/// an error. Creates the parent folder when missing.
Fd listen_unix(const std::string& path, unsigned mode, std::optional<gid_t> group);

/// Connects to `path`; throws std::system_error with the errno of the failure.
Fd connect_unix(const std::string& path);

void set_nonblocking(int fd);

} // namespace rtchat::ipc
