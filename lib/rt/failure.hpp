#pragma once
// Why a delivery did not happen, in the terms chat2rt acts on.

#include <stdexcept>
#include <string>

namespace rtchat::rt {

enum class FailureKind {
    /// Nothing reached RT (it is down, refused the connection, our
    /// credentials or its certificate are wrong): try again later.
    transient,
    /// The request may have reached RT (a timeout or a 5xx after sending):
    /// look for the transcript's marker before sending it again.
    ambiguous,
    /// RT refused this transcript for good (no such ticket, a 4xx): a
    /// person must look; retrying would fail the same way.
    permanent,
};

class Failure : public std::runtime_error {
public:
    Failure(FailureKind kind, const std::string& what)
        : std::runtime_error(what)
        , kind_(kind) {}
    FailureKind kind() const { return kind_; }

private:
    FailureKind kind_;
};

} // namespace rtchat::rt
