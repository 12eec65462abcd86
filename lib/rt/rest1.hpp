#pragma once
// RT's REST 1.0 API (/REST/1.0/), the only one RT 4 has: forms in, "Key:
// value" text out, and the real status in the first line of a 200 answer.
// The mail backend uses it, where configured, for its checks.

#include "rt/client.hpp"

namespace rtchat::rt {

std::unique_ptr<Client> make_rest1_client(const System& system, Session& session);

/// The "RT/x.y.z 200 Ok" line's status, and the rest of the answer.
struct Rest1Answer {
    int status = 0;
    std::string text;
};
Rest1Answer parse_rest1(const std::string& body);

/// A value as a REST 1.0 form field: continuation lines start with a space.
std::string rest1_field(const std::string& key, const std::string& value);

} // namespace rtchat::rt
