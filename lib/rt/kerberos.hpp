#pragma once
// Kerberos credentials for auth = negotiate: a ticket-granting ticket from
// the configured keytab, kept in a credential cache private to this
// process, which libcurl's GSS-API (SPNEGO) then uses.

#include <string>

namespace rtchat::rt {

/// Gets a fresh ticket for `principal` from `keytab` into this process's
/// own memory cache and points KRB5CCNAME at it. Call before any thread
/// starts (setenv is process-wide). Throws rt::Failure (transient: a person
/// fixes the keytab, then the waiting transcripts go) with libkrb5's reason.
void acquire_kerberos_credentials(const std::string& keytab, const std::string& principal);

} // namespace rtchat::rt
