#include "proto/protocol.hpp"

#include "proto/utf8.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace rtchat::proto {
namespace {

constexpr std::array codes{
    std::pair{ErrorCode::bad_request, std::string_view{"bad_request"}},
    std::pair{ErrorCode::too_large, std::string_view{"too_large"}},
    std::pair{ErrorCode::not_authorised, std::string_view{"not_authorised"}},
    std::pair{ErrorCode::not_found, std::string_view{"not_found"}},
    std::pair{ErrorCode::invalid_state, std::string_view{"invalid_state"}},
    std::pair{ErrorCode::unavailable, std::string_view{"unavailable"}},
    std::pair{ErrorCode::internal, std::string_view{"internal"}},
};

[[noreturn]] void bad(const std::string& message) {
    throw ProtocolError(ErrorCode::bad_request, message);
}

std::string dump(const json& j) {
    // Replacement instead of throwing: a reply must always be sendable.
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace

std::string_view to_string(ErrorCode code) {
    for (auto [c, name] : codes)
        if (c == code)
            return name;
    return "internal";
}

ErrorCode parse_error_code(std::string_view name) {
    for (auto [c, n] : codes)
        if (n == name)
            return c;
    return ErrorCode::internal;
}

Request parse_request(std::string_view line, json& id_out) {
    id_out = nullptr;
    if (!is_valid_utf8(line))
        bad("request is not valid UTF-8");
    json body = json::parse(line, nullptr, false);
    if (body.is_discarded())
        bad("request is not valid JSON");
    if (!body.is_object())
        bad("request must be a JSON object");
    if (auto it = body.find("id"); it != body.end()) {
        if (!it->is_number_integer() && !it->is_string())
            bad("\"id\" must be an integer or a string");
        id_out = *it;
    }
    auto op = body.find("op");
    if (op == body.end() || !op->is_string() || op->get_ref<const std::string&>().empty())
        bad("request has no \"op\"");
    Request r{id_out, op->get<std::string>(), std::move(body)};
    return r;
}

std::string reply_ok(const json& id, json result) {
    return dump(json{{"id", id}, {"ok", true}, {"result", std::move(result)}});
}

std::string reply_error(const json& id, ErrorCode code, std::string_view message) {
    return dump(json{
        {"id", id}, {"ok", false}, {"error", {{"code", to_string(code)}, {"message", message}}}});
}

std::string event_line(std::string_view name, json fields) {
    fields["event"] = name;
    return dump(fields);
}

int64_t require_id(const json& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null())
        bad(fmt::format("missing \"{}\"", field));
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
        bad(fmt::format("\"{}\" must be a positive whole number", field));
    return it->get<int64_t>();
}

std::string require_string(const json& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null())
        bad(fmt::format("missing \"{}\"", field));
    if (!it->is_string())
        bad(fmt::format("\"{}\" must be a string", field));
    return it->get<std::string>();
}

std::string optional_string(const json& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null())
        return {};
    if (!it->is_string())
        bad(fmt::format("\"{}\" must be a string", field));
    return it->get<std::string>();
}

std::optional<int64_t> optional_int(const json& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null())
        return std::nullopt;
    return require_id(body, field);
}

bool optional_bool(const json& body, std::string_view field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null())
        return false;
    if (!it->is_boolean())
        bad(fmt::format("\"{}\" must be true or false", field));
    return it->get<bool>();
}

} // namespace rtchat::proto
