#include "transcript/transcript.hpp"

#include <gtest/gtest.h>

using namespace rtchat;

namespace {

transcript::Options shipped(std::string from, std::string rtname) {
    return transcript::load_options(RTCHAT_SOURCE_DIR, std::move(from), std::move(rtname));
}

store::Chat closed_chat() {
    store::Chat c;
    c.id = 7;
    c.state = store::ChatState::delivering;
    c.user_name = "Zoë";
    c.user_email = "zoe@example.org";
    c.rt_ticket = 4242;
    c.created_by = "bob";
    c.created_at = 1'795'700'000'000;
    c.closed_at = 1'795'700'600'000;
    c.closed_by = "bob";
    c.end_reason = "closed by CO";
    c.summary = "Reinstalled the printer driver.";
    return c;
}

std::vector<store::Message> conversation() {
    return {{1, 7, "Zoë", store::Role::user, "My printer is <b>broken</b>\nsince Monday",
             1'795'700'060'000},
            {2, 7, "bob", store::Role::co, "Let me look.", 1'795'700'120'000}};
}

} // namespace

TEST(Transcript, SummaryFirstThenTheQuotedConversation) {
    setenv("TZ", "UTC", 1);
    tzset();
    auto r = transcript::render(closed_chat(), conversation(), "rtchat-7-abc",
                                shipped("rtchat@example.org", "rt.example.org"), 1'795'700'700'000);
    const size_t summary = r.body.find("Reinstalled the printer driver.");
    const size_t first_line = r.body.find("> [");
    ASSERT_NE(summary, std::string::npos);
    ASSERT_NE(first_line, std::string::npos);
    EXPECT_LT(summary, first_line) << "the summary must come before the log";
    EXPECT_NE(r.body.find("> ["), std::string::npos);
    EXPECT_NE(r.body.find("> [13:34] Zoë: My printer is <b>broken</b>\n>               since "
                          "Monday\n> [13:35] bob: Let me look."),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("since Monday"), std::string::npos);
    EXPECT_EQ(r.body.rfind("Summary: Reinstalled the printer driver.\n", 0), 0u)
        << "the summary is the first thing a reader sees";
    EXPECT_NE(r.body.find("Chat #7 with Zoë <zoe@example.org>, RT ticket #4242\n"),
              std::string::npos);
    EXPECT_NE(r.body.find("Participants: Zoë (user), bob (IT support)"), std::string::npos);
    EXPECT_NE(r.body.find("rtchat-7-abc"), std::string::npos) << "the marker is findable in RT";
    EXPECT_EQ(r.subject, "[rt.example.org #4242] Chat transcript: Zoë (chat #7)");
}

TEST(Transcript, IsAWellFormedMessage) {
    auto r = transcript::render(closed_chat(), conversation(), "rtchat-7-abc",
                                shipped("rtchat@example.org", "rt.example.org"), 1'795'700'700'000);
    EXPECT_EQ(r.message.rfind("From: rtchat@example.org\r\n", 0), 0u);
    EXPECT_NE(r.message.find("\r\nSubject: =?UTF-8?B?"), std::string::npos)
        << "non-ASCII subject is encoded";
    EXPECT_NE(r.message.find("\r\nMessage-ID: <rtchat-7-abc@rtchat>\r\n"), std::string::npos);
    EXPECT_NE(r.message.find("\r\nContent-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
    const size_t body = r.message.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos);
    for (size_t start = 0, end; (end = r.message.find("\r\n", start)) != std::string::npos;
         start = end + 2)
        EXPECT_LE(end - start, 998u);
}

TEST(Transcript, LongLinesAreWrappedWithoutSplittingCharacters) {
    auto chat = closed_chat();
    std::vector<store::Message> long_one{
        {1, 7, "Zoë", store::Role::user, std::string(3000, 'x'), 1'795'700'060'000}};
    for (int i = 0; i < 600; ++i)
        long_one[0].body += "é";
    auto r = transcript::render(chat, long_one, "m", shipped("a@b", ""), 0);
    for (size_t start = 0, end; (end = r.message.find("\r\n", start)) != std::string::npos;
         start = end + 2) {
        const std::string line = r.message.substr(start, end - start);
        EXPECT_LE(line.size(), 998u);
        if (!line.empty()) {
            EXPECT_NE(static_cast<unsigned char>(line.back()), 0xC3) << "a line ends inside é";
        }
    }
    EXPECT_EQ(r.subject, "Chat transcript: Zoë (chat #7)") << "no tag without an rtname";
}

TEST(Transcript, EncodesOnlyWhatNeedsIt) {
    EXPECT_EQ(transcript::encode_header("Plain subject"), "Plain subject");
    EXPECT_EQ(transcript::encode_header("é"), "=?UTF-8?B?w6k=?=");
}

TEST(Transcript, LongHeadersBecomeSeveralShortEncodedWords) {
    std::string subject = "[rt.example.org #4242] Chat transcript: ";
    for (int i = 0; i < 20; ++i)
        subject += "Zoë ";
    const std::string encoded = transcript::encode_header(subject);
    size_t words = 0;
    for (size_t start = 0;;) {
        const size_t end = encoded.find("\r\n ", start);
        const std::string word =
            encoded.substr(start, end == std::string::npos ? end : end - start);
        EXPECT_LE(word.size(), 75u) << word;
        EXPECT_EQ(word.rfind("=?UTF-8?B?", 0), 0u) << word;
        ++words;
        if (end == std::string::npos)
            break;
        start = end + 3;
    }
    EXPECT_GE(words, 3u);
}

TEST(Transcript, TheLogCanGoInAnAttachment) {
    setenv("TZ", "UTC", 1);
    tzset();
    auto r = transcript::render(closed_chat(), conversation(), "rtchat-7-abc",
                                shipped("rtchat@example.org", ""), 1'795'700'700'000,
                                {.log_attached = true, .flag = ""});
    EXPECT_EQ(r.body.find("> ["), std::string::npos) << "no quoted log in the body";
    EXPECT_NE(r.body.find("attached as chat-7.txt"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("Reinstalled the printer driver."), std::string::npos);
    EXPECT_NE(r.body.find("rtchat-7-abc"), std::string::npos) << "the marker stays in the body";
    EXPECT_EQ(r.log_filename, "chat-7.txt");
    EXPECT_NE(r.log.find("[13:34] Zoë: My printer is <b>broken</b>\n              since Monday\n"
                         "[13:35] bob: Let me look."),
              std::string::npos)
        << r.log;
}

TEST(Transcript, AFlaggedTranscriptSaysWhyAndCarriesNoTicketTag) {
    auto r = transcript::render(
        closed_chat(), conversation(), "m", shipped("rtchat@example.org", "rt.example.org"), 0,
        {.log_attached = false, .flag = "Zoë is not among the requestors of ticket 4242"});
    EXPECT_EQ(r.body.rfind("NOT FILED IN ITS TICKET: Zoë is not among the requestors of ticket "
                           "4242.",
                           0),
              0u)
        << r.body;
    EXPECT_EQ(r.subject, "Chat transcript: Zoë (chat #7) - NOT filed in #4242");
}
