#include "proto/protocol.hpp"
#include "tsv.hpp"

#include <gtest/gtest.h>

using namespace rtchat::proto;

TEST(Protocol, RefusesMalformedRequestsWordForWord) {
    auto rows = read_tsv("bad_requests.tsv");
    ASSERT_GE(rows.size(), 10u);
    for (const auto& row : rows) {
        ASSERT_EQ(row.size(), 3u);
        json id;
        try {
            parse_request(unescape(row[2]), id);
            ADD_FAILURE() << "accepted: " << row[2];
        } catch (const ProtocolError& e) {
            EXPECT_EQ(to_string(e.code()), row[0]) << row[2];
            EXPECT_EQ(std::string(e.what()), row[1]) << row[2];
        }
    }
}

TEST(Protocol, KeepsTheIdOfARefusedRequest) {
    json id;
    EXPECT_THROW(parse_request(R"({"id":"abc"})", id), ProtocolError);
    EXPECT_EQ(id, "abc");
}

TEST(Protocol, ParsesAGoodRequest) {
    json id;
    Request r = parse_request(R"({"id":7,"op":"say","chat":42,"text":"hi"})", id);
    EXPECT_EQ(r.op, "say");
    EXPECT_EQ(r.id, 7);
    EXPECT_EQ(require_id(r.body, "chat"), 42);
    EXPECT_EQ(require_string(r.body, "text"), "hi");
}

TEST(Protocol, ArgumentErrorsNameTheField) {
    json body = json::parse(R"({"chat":"42","n":-1,"flag":"yes","s":1})");
    auto message = [&](auto&& f) {
        try {
            f();
        } catch (const ProtocolError& e) {
            EXPECT_EQ(e.code(), ErrorCode::bad_request);
            return std::string(e.what());
        }
        return std::string("<no error>");
    };
    EXPECT_EQ(message([&] { require_id(body, "chat"); }),
              "\"chat\" must be a positive whole number");
    EXPECT_EQ(message([&] { require_id(body, "n"); }), "\"n\" must be a positive whole number");
    EXPECT_EQ(message([&] { require_id(body, "missing"); }), "missing \"missing\"");
    EXPECT_EQ(message([&] { optional_bool(body, "flag"); }), "\"flag\" must be true or false");
    EXPECT_EQ(message([&] { require_string(body, "s"); }), "\"s\" must be a string");
}

TEST(Protocol, RepliesAreOneLineOfJson) {
    std::string ok = reply_ok(3, {{"x", "multi\nline"}});
    EXPECT_EQ(ok.back(), '\n');
    EXPECT_EQ(ok.find('\n'), ok.size() - 1);
    json parsed = json::parse(ok);
    EXPECT_EQ(parsed["id"], 3);
    EXPECT_EQ(parsed["ok"], true);
    json err = json::parse(reply_error(nullptr, ErrorCode::not_found, "no chat 9"));
    EXPECT_EQ(err["error"]["code"], "not_found");
    EXPECT_EQ(err["error"]["message"], "no chat 9");
    EXPECT_TRUE(err["id"].is_null());
}

TEST(Protocol, ErrorCodesRoundTrip) {
    for (ErrorCode c : {ErrorCode::bad_request, ErrorCode::too_large, ErrorCode::not_authorised,
                        ErrorCode::not_found, ErrorCode::invalid_state, ErrorCode::unavailable,
                        ErrorCode::internal})
        EXPECT_EQ(parse_error_code(to_string(c)), c);
}
