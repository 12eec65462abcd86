#pragma once
// The mail backend: transcripts as mail through SMTP (libcurl) to RT's
// mail gateway, filed by the subject tag [rtname #N]. Where the RT system
// also has a url, its checks and searches go through REST 1.0, which every
// RT has.

#include "rt/client.hpp"

namespace rtchat::rt {

std::unique_ptr<Client> make_mail_client(const System& system, Session& session);

/// A plain text mail (UTF-8) to one address through the system's
/// smtp_url, from its From: address. Throws rt::Failure.
void send_plain_mail(const System& system, const std::string& to, const std::string& subject,
                     const std::string& text, int64_t now_ms);

/// The message with its To: header (RT's address) and subject set.
std::string addressed_message(const std::string& message, const std::string& to,
                              const std::string& subject);

} // namespace rtchat::rt
