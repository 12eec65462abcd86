#include "encoding/base64.hpp"

#include <gtest/gtest.h>

using rtchat::encoding::base64;
using rtchat::encoding::base64url;

// The test vectors of RFC 4648, section 10.
TEST(Base64, Rfc4648Vectors) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foob"), "Zm9vYg==");
    EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, UrlFormHasNoPaddingAndNoSlashOrPlus) {
    EXPECT_EQ(base64url("f"), "Zg");
    EXPECT_EQ(base64url("fo"), "Zm8");
    EXPECT_EQ(base64("\xfb\xff"), "+/8=");
    EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}
