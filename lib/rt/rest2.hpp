#pragma once
// RT 5's REST2 API (/REST/2.0/): JSON in and out, the log as a real
// attachment.

#include "rt/client.hpp"

namespace rtchat::rt {

std::unique_ptr<Client> make_rest2_client(const System& system, Session& session);

} // namespace rtchat::rt
