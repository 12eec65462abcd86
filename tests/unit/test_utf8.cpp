#include "proto/utf8.hpp"
#include "tsv.hpp"

#include <gtest/gtest.h>

using namespace rtchat::proto;

TEST(Utf8, Table) {
    auto rows = read_tsv("utf8.tsv");
    ASSERT_GE(rows.size(), 10u);
    for (const auto& row : rows) {
        ASSERT_EQ(row.size(), 2u);
        EXPECT_EQ(is_valid_utf8(unescape(row[1])), row[0] == "valid") << row[1];
    }
}

TEST(Utf8, ControlCharacters) {
    EXPECT_FALSE(has_control_characters("tab\tand\nnewline are fine"));
    EXPECT_TRUE(has_control_characters("escape \x1b[31m red"));
    EXPECT_TRUE(has_control_characters(std::string("nul \0 byte", 10)));
    EXPECT_TRUE(has_control_characters("carriage\rreturn"));
    EXPECT_TRUE(has_control_characters("del \x7f"));
    EXPECT_TRUE(has_control_characters("c1 \xc2\x9b csi"));
    EXPECT_FALSE(has_control_characters("\xc2\xa0 no-break space"));
}
