#include "handlers.hpp"
#include "start_from_rt.hpp"
#include "validate.hpp"

#include <fmt/format.h>

namespace rtchat::chatd {

// What RT says of a ticket, before a CO starts a chat from it.
proto::json handle_ticket(Call& call) {
    const int64_t ticket = proto::require_id(call.body, "rt_ticket");
    const std::string name =
        checked_rt_system(call.server.config(), proto::optional_string(call.body, "rt_system"));
    const auto system = call.server.rt().system_with_api(name);
    if (!system)
        throw proto::ProtocolError(
            proto::ErrorCode::bad_request,
            name.empty() ? std::string("no RT system with a url is configured to read tickets from")
                         : fmt::format("RT system '{}' has no url to read tickets from", name));
    read_ticket(call, *system, ticket);
    return {};
}

} // namespace rtchat::chatd
