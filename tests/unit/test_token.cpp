#include "auth/token.hpp"

#include <gtest/gtest.h>
#include <set>

using namespace rtchat::auth;

TEST(Token, HasAtLeast256BitsAndAUrlSafeShape) {
    MintedToken t = mint_token();
    EXPECT_EQ(t.token.size(), 43u); // 32 bytes in base64url without padding
    EXPECT_TRUE(looks_like_token(t.token));
    EXPECT_EQ(t.token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
}

TEST(Token, OnlyTheHashIsKeptAndItMatches) {
    MintedToken t = mint_token();
    EXPECT_EQ(t.hash.size(), 32u);
    EXPECT_EQ(hash_token(t.token), t.hash);
    EXPECT_EQ(t.hash.find(t.token), std::string::npos);
    EXPECT_NE(hash_token(t.token + "x"), t.hash);
}

TEST(Token, KnownSha256) {
    // SHA-256("abc")
    const std::string h = hash_token("abc");
    const unsigned char expected[4] = {0xba, 0x78, 0x16, 0xbf};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(static_cast<unsigned char>(h[static_cast<size_t>(i)]), expected[i]);
}

TEST(Token, NoRepeatsInTenThousand) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i)
        EXPECT_TRUE(seen.insert(mint_token().token).second);
}

TEST(Token, RejectsWrongShapes) {
    EXPECT_FALSE(looks_like_token(""));
    EXPECT_FALSE(looks_like_token(std::string(43, '/')));
    EXPECT_FALSE(looks_like_token(std::string(44, 'a')));
}
