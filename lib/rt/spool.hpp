#pragma once
// The spool backend: each transcript becomes one RFC 5322 file in a folder,
// ready for rt-mailgate or a person. Written atomically (temporary file,
// fsync, rename, fsync of the folder), named by the transcript's marker so
// that a retry after a crash finds it instead of writing it twice.

#include <filesystem>
#include <string>

namespace rtchat::rt {

enum class SpoolResult { written, already_there };

/// Throws std::system_error (with the path) when the folder cannot be written.
SpoolResult deliver_to_spool(const std::filesystem::path& dir, const std::string& marker,
                             const std::string& message);

} // namespace rtchat::rt
