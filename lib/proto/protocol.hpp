#pragma once
// chatd's wire protocol: newline-delimited JSON over a Unix socket.
//
//   request  {"id": 7, "op": "say", "chat": 42, "text": "hello"}
//   reply    {"id": 7, "ok": true, "result": {...}}
//            {"id": 7, "ok": false, "error": {"code": "not_found", "message": "no chat 42"}}
//   event    {"event": "message", "chat": 42, "message": {...}}   (after "subscribe")
//
// Replies carry the request's id (any JSON number or string); events carry none.

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rtchat::proto {

using json = nlohmann::json;

enum class ErrorCode {
    bad_request,    ///< malformed, unknown op, missing or wrong argument
    too_large,      ///< over a size limit
    not_authorised, ///< the peer may not do this
    not_found,      ///< no such chat
    invalid_state,  ///< the chat's state forbids it
    unavailable,    ///< a temporary condition; try again
    internal,       ///< a bug or an unexpected failure; see chatd's log
};

std::string_view to_string(ErrorCode code);
ErrorCode parse_error_code(std::string_view name);

/// An expected failure with a message for the user; becomes an error reply.
class ProtocolError : public std::runtime_error {
public:
    ProtocolError(ErrorCode code, const std::string& message)
        : std::runtime_error(message)
        , code_(code) {}
    ErrorCode code() const { return code_; }

private:
    ErrorCode code_;
};

struct Request {
    json id; ///< null when the line was too broken to have one
    std::string op;
    json body; ///< the whole object, for the handler's arguments
};

/// Parses one request line. Throws ProtocolError (bad_request) with the id
/// filled in `id_out` when one could be read.
Request parse_request(std::string_view line, json& id_out);

std::string reply_ok(const json& id, json result);
std::string reply_error(const json& id, ErrorCode code, std::string_view message);
std::string event_line(std::string_view name, json fields);

/// Argument readers; each throws ProtocolError(bad_request) naming the field.
int64_t require_id(const json& body, std::string_view field);
std::string require_string(const json& body, std::string_view field);
std::string optional_string(const json& body, std::string_view field);
std::optional<int64_t> optional_int(const json& body, std::string_view field);
bool optional_bool(const json& body, std::string_view field);

} // namespace rtchat::proto
