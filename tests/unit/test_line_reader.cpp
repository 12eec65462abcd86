#include "proto/line_reader.hpp"

#include <gtest/gtest.h>

using namespace rtchat::proto;

namespace {

std::string line_of(LineReader& r) {
    auto next = r.next();
    auto* s = std::get_if<std::string>(&next);
    return s ? *s : "<none>";
}

} // namespace

TEST(LineReader, SplitsAcrossFeeds) {
    LineReader r(100);
    r.feed("hel");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next()));
    r.feed("lo\nwor");
    EXPECT_EQ(line_of(r), "hello");
    r.feed("ld\r\n\n");
    EXPECT_EQ(line_of(r), "world");
    EXPECT_EQ(line_of(r), "");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next()));
}

TEST(LineReader, OversizedCompleteLineIsSkippedOnce) {
    LineReader r(10);
    r.feed(std::string(20, 'x') + "\nok\n");
    auto first = r.next();
    ASSERT_TRUE(std::holds_alternative<OversizedLine>(first));
    EXPECT_EQ(std::get<OversizedLine>(first).bytes_seen, 20u);
    EXPECT_EQ(line_of(r), "ok");
}

TEST(LineReader, OversizedPartialLineIsDroppedUntilItsNewline) {
    LineReader r(10);
    r.feed(std::string(11, 'x'));
    EXPECT_TRUE(std::holds_alternative<OversizedLine>(r.next()));
    r.feed(std::string(1000, 'y'));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.next()));
    EXPECT_EQ(r.pending(), 0u) << "the reader buffered an oversized line";
    r.feed("zz\nnext\n");
    EXPECT_EQ(line_of(r), "next");
}

TEST(LineReader, LineAtTheLimitPasses) {
    LineReader r(10);
    r.feed(std::string(10, 'x') + "\n");
    EXPECT_EQ(line_of(r), std::string(10, 'x'));
}
