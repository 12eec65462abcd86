#include "rt/spool.hpp"

#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>
#include <system_error>
#include <unistd.h>

namespace rtchat::rt {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, const std::string& data, const std::string& path) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail("write " + path);
        off += static_cast<size_t>(n);
    }
}

} // namespace

SpoolResult deliver_to_spool(const std::filesystem::path& dir, const std::string& marker,
                             const std::string& message) {
    std::filesystem::create_directories(dir);
    const std::filesystem::path final_path = dir / (marker + ".eml");
    if (std::filesystem::exists(final_path))
        return SpoolResult::already_there;
    const std::filesystem::path temp = dir / ("." + marker + ".tmp");
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        fail("open " + temp.string());
    try {
        write_all(fd, message, temp.string());
        if (::fsync(fd) != 0)
            fail("fsync " + temp.string());
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temp.c_str(), final_path.c_str()) != 0)
        fail("rename " + final_path.string());
    // The rename is durable only once the folder is.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return SpoolResult::written;
}

} // namespace rtchat::rt
