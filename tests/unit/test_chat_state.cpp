#include "store/chat_state.hpp"

#include <gtest/gtest.h>
#include <set>
#include <utility>

using namespace rtchat::store;

namespace {

constexpr ChatState all_states[] = {
    ChatState::invited,    ChatState::active,    ChatState::closed, ChatState::abandoned,
    ChatState::delivering, ChatState::delivered, ChatState::failed, ChatState::purged};

} // namespace

TEST(ChatState, AllowsExactlyTheDocumentedTransitions) {
    using enum ChatState;
    const std::set<std::pair<ChatState, ChatState>> allowed{
        {invited, active},       {invited, closed},       {invited, abandoned},
        {active, closed},        {active, abandoned},     {closed, delivering},
        {abandoned, delivering}, {delivering, delivered}, {delivering, failed},
        {failed, delivering},    {delivered, purged},
    };
    for (ChatState from : all_states)
        for (ChatState to : all_states)
            EXPECT_EQ(can_transition(from, to), allowed.contains({from, to}))
                << to_string(from) << " -> " << to_string(to);
}

TEST(ChatState, NothingLeavesPurged) {
    for (ChatState to : all_states)
        EXPECT_FALSE(can_transition(ChatState::purged, to));
}

TEST(ChatState, FailedIsNeverPurgedBeforeDelivery) {
    EXPECT_FALSE(can_transition(ChatState::failed, ChatState::purged));
    EXPECT_FALSE(can_transition(ChatState::closed, ChatState::purged));
    EXPECT_FALSE(can_transition(ChatState::delivering, ChatState::purged));
}

TEST(ChatState, OnlyInvitedAndActiveTakeMessages) {
    for (ChatState s : all_states)
        EXPECT_EQ(accepts_messages(s), s == ChatState::invited || s == ChatState::active)
            << to_string(s);
}

TEST(ChatState, NamesRoundTrip) {
    for (ChatState s : all_states)
        EXPECT_EQ(parse_state(to_string(s)), s);
    EXPECT_EQ(parse_state("open"), std::nullopt);
    EXPECT_EQ(parse_state(""), std::nullopt);
}
