#pragma once
// What an HTTP status from RT means for a delivery.

#include "rt/failure.hpp"
#include "rt/http.hpp"

#include <string>

namespace rtchat::rt {

/// Throws the Failure a non-2xx status stands for: credentials refused or a
/// sign-in page (transient: a person fixes the configuration and every
/// waiting transcript then goes), 5xx (ambiguous after a POST, transient
/// after a GET), any other 4xx (permanent: RT refused this request).
void check_status(const Response& r, const std::string& what, bool posted);

} // namespace rtchat::rt
