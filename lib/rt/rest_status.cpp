#include "rt/rest_status.hpp"

#include <fmt/format.h>

namespace rtchat::rt {
namespace {

// RT's answers are short JSON or text; a line of it helps whoever reads the log.
std::string excerpt(const std::string& body) {
    std::string line = body.substr(0, body.find('\n'));
    if (line.size() > 200)
        line = line.substr(0, 200) + "...";
    for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20)
            c = ' ';
    return line;
}

} // namespace

void check_status(const Response& r, const std::string& what, bool posted) {
    if (r.status >= 200 && r.status < 300)
        return;
    if (r.status == 401 || (r.status >= 300 && r.status < 400))
        throw Failure(
            FailureKind::transient,
            fmt::format("{}: RT did not accept chat2rt's credentials (HTTP {})", what, r.status));
    if (r.status >= 500)
        throw Failure(posted ? FailureKind::ambiguous : FailureKind::transient,
                      fmt::format("{}: RT failed (HTTP {}): {}", what, r.status, excerpt(r.body)));
    throw Failure(FailureKind::permanent,
                  fmt::format("{}: RT refused it (HTTP {}): {}", what, r.status, excerpt(r.body)));
}

} // namespace rtchat::rt
