#include "log/log.hpp"

#include <gtest/gtest.h>

using namespace rtchat::log;

TEST(Log, OneLineOfKeyValueFields) {
    set_component("test");
    EXPECT_EQ(format_line(Level::info, "chat_started", {{"chat", 42}, {"co", "alice"}}),
              "level=info component=test event=chat_started chat=42 co=alice\n");
}

TEST(Log, QuotesAndEscapesSoEveryEventStaysOnOneLine) {
    set_component("test");
    EXPECT_EQ(format_line(Level::error, "x",
                          {{"error", "two words"},
                           {"q", "say \"hi\""},
                           {"nl", "a\nb"},
                           {"empty", ""},
                           {"eq", "a=b"}}),
              "level=error component=test event=x error=\"two words\" q=\"say \\\"hi\\\"\" "
              "nl=\"a\\x0ab\" empty=\"\" eq=\"a=b\"\n");
}

TEST(Log, ParsesLevels) {
    EXPECT_EQ(parse_level("warning"), Level::warning);
    EXPECT_THROW(parse_level("loud"), std::invalid_argument);
}
