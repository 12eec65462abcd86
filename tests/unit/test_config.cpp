#include "config/config.hpp"
#include "config/duration.hpp"
#include "config/schema.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>

using namespace rtchat::config;

namespace {

std::string error_of(const std::string& text) {
    try {
        Config::parse(text, "test.conf");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "<accepted>";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST(Config, DefaultsUseTheStateDir) {
    setenv("RTCHAT_STATE_DIR", "/srv/chat", 1);
    Config c = Config::defaults();
    unsetenv("RTCHAT_STATE_DIR");
    EXPECT_EQ(c.get("store", "path"), "/srv/chat/rtchat.db");
    EXPECT_EQ(c.get("chatd", "socket"), "/srv/chat/chatd.sock");
    EXPECT_EQ(c.get("chatd", "co_group"), "rtchat-co");
    EXPECT_EQ(c.get("web", "listen"), "127.0.0.1:8080");
    EXPECT_EQ(c.get_mode("chatd", "socket_mode"), 0660u);
    EXPECT_EQ(c.get_duration("chatd", "link_ttl").count(), 24 * 3600);
    EXPECT_EQ(Config::defaults().get("store", "path"), "/var/lib/rtchat/rtchat.db");
}

TEST(Config, FileOverridesAndRemembersWhere) {
    Config c = Config::parse("# comment\n[store]\npath = /tmp/x.db\n\n[chatd]\n"
                             "co_group = staff\nsocket = \"/tmp/with space.sock\"\n",
                             "site.conf");
    EXPECT_EQ(c.get("store", "path"), "/tmp/x.db");
    EXPECT_EQ(c.origin("store", "path"), "site.conf:3");
    EXPECT_EQ(c.get("chatd", "co_group"), "staff");
    EXPECT_EQ(c.get("chatd", "socket"), "/tmp/with space.sock");
    EXPECT_EQ(c.origin("web", "listen"), "default");
    EXPECT_EQ(c.source(), "site.conf");
}

TEST(Config, NamedSectionsEachGetTheirOwnKeys) {
    Config c = Config::parse("[rt.physics]\nbackend = rest2\n[rt.maths-2]\nbackend = mail\n"
                             "[rt.physics]\nqueue = Physics\n",
                             "site.conf");
    EXPECT_EQ(c.named_sections("rt"), (std::vector<std::string>{"physics", "maths-2"}));
    EXPECT_EQ(c.get("rt.physics", "backend"), "rest2");
    EXPECT_EQ(c.get("rt.physics", "queue"), "Physics");
    EXPECT_EQ(c.origin("rt.physics", "queue"), "site.conf:6");
    EXPECT_EQ(c.get("rt.maths-2", "queue"), "General");
    EXPECT_EQ(c.origin("rt.maths-2", "queue"), "default");
    EXPECT_TRUE(Config::defaults().named_sections("rt").empty());
    EXPECT_EQ(error_of("[rt.]\n"), "test.conf:1: unknown section [rt.]");
    EXPECT_EQ(error_of("[rt.a b]\n"), "test.conf:1: unknown section [rt.a b]");
    EXPECT_EQ(error_of("[rt.NAME]\nnope = 1\n"),
              "test.conf:2: unknown key 'nope' in section [rt.NAME]");
    EXPECT_EQ(error_of("[rt.x]\nbackend = rest3\n"),
              "test.conf:2: [rt.x] backend = 'rest3': expected one of spool,mail,rest1,rest2");
}

TEST(Config, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(error_of("[store]\npth = /x\n"), "test.conf:2: unknown key 'pth' in section [store]");
    EXPECT_EQ(error_of("[nope]\n"), "test.conf:1: unknown section [nope]");
    EXPECT_EQ(error_of("path = /x\n"),
              "test.conf:1: key outside a section; put it under a [section] header");
    EXPECT_EQ(error_of("[store\n"), "test.conf:1: malformed section header '[store'");
    EXPECT_EQ(error_of("[chatd]\n\nmax_clients = lots\n"),
              "test.conf:3: [chatd] max_clients = 'lots': expected a whole number");
    EXPECT_EQ(error_of("[chatd]\nmax_clients = 0\n"),
              "test.conf:2: [chatd] max_clients = '0': expected a number from 1 to 1000000");
    EXPECT_EQ(error_of("[chatd]\nlink_ttl = 3 weeks\n"),
              "test.conf:2: key 'link_ttl' takes one value; put quotes around a value with "
              "spaces or commas");
    EXPECT_EQ(error_of("[chatd]\nlink_ttl = 3w\n"),
              "test.conf:2: [chatd] link_ttl = '3w': unknown unit 'w': use s, m, h or d");
    EXPECT_EQ(error_of("[chatd]\nsocket_mode = 999\n"),
              "test.conf:2: [chatd] socket_mode = '999': expected an octal mode such as 0660");
    EXPECT_EQ(error_of("[store]\nsynchronous = off\n"),
              "test.conf:2: [store] synchronous = 'off': expected one of full,normal");
    EXPECT_EQ(error_of("[web]\nlisten = 8080\n"),
              "test.conf:2: [web] listen = '8080': expected host:port, such as 127.0.0.1:8080");
    EXPECT_EQ(error_of("[web]\nbase_url = ftp://x\n"),
              "test.conf:2: [web] base_url = 'ftp://x': expected a URL starting with http:// or "
              "https://");
    EXPECT_EQ(error_of("[web]\njust words\n"),
              "test.conf:2: expected 'key = value', got 'just words'");
}

TEST(Config, ListsJoinTheirWords) {
    Config c = Config::parse("[web]\ntrusted_proxies = 127.0.0.1, ::1,10.0.0.5\n", "t");
    EXPECT_EQ(c.get("web", "trusted_proxies"), "127.0.0.1,::1,10.0.0.5");
    EXPECT_EQ(split_list(c.get("web", "trusted_proxies")),
              (std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.5"}));
    EXPECT_EQ(split_list(" a@x.org,  b@y.org ,,"),
              (std::vector<std::string>{"a@x.org", "b@y.org"}));
    EXPECT_TRUE(split_list("").empty());
}

TEST(Config, MissingFileIsAClearError) {
    try {
        Config::from_file("/nonexistent/rtchat.conf");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/nonexistent/rtchat.conf: cannot read the configuration file: No such file or "
                  "directory");
    }
}

TEST(Config, Durations) {
    EXPECT_EQ(parse_duration("90").count(), 90);
    EXPECT_EQ(parse_duration("15m").count(), 900);
    EXPECT_EQ(parse_duration("2d").count(), 172800);
    EXPECT_THROW(parse_duration("m"), std::invalid_argument);
    EXPECT_THROW(parse_duration("-5s"), std::invalid_argument);
}

// Every key is documented in rtchat.conf(5), under its section.
TEST(Config, EveryKeyIsInTheManPage) {
    const std::string page = read_file(RTCHAT_SOURCE_DIR "/man/rtchat.conf.5");
    ASSERT_FALSE(page.empty());
    for (const KeySpec& spec : schema()) {
        const std::string heading = ".SS [" + std::string(spec.section) + "]";
        const size_t section_at = page.find(heading);
        ASSERT_NE(section_at, std::string::npos) << heading;
        const size_t next_section = page.find(".SS ", section_at + 1);
        const size_t key_at = page.find("\n.B " + std::string(spec.key) + "\n", section_at);
        EXPECT_TRUE(key_at != std::string::npos && key_at < next_section)
            << "[" << spec.section << "] " << spec.key << " is not documented";
    }
}

// The sample lists every key at its default, and loads once uncommented.
TEST(Config, SampleListsEveryKeyAtItsDefault) {
    std::string sample = read_file(RTCHAT_SOURCE_DIR "/conf/rtchat.conf");
    ASSERT_FALSE(sample.empty());
    std::string uncommented =
        std::regex_replace(sample, std::regex("\n#([a-z_]+ =|\\[rt\\.)"), "\n$1");
    Config c = Config::parse(uncommented, "conf/rtchat.conf");
    const Config defaults = Config::defaults();
    ASSERT_EQ(c.named_sections("rt"), std::vector<std::string>{"main"});
    for (const KeySpec& spec : schema()) {
        if (spec.section == "rt.NAME") {
            // The sample's RT system is an example, with values of its own.
            EXPECT_NE(c.origin("rt.main", spec.key), "default")
                << "[rt.NAME] " << spec.key << " is missing from the sample";
            continue;
        }
        EXPECT_NE(c.origin(spec.section, spec.key), "default")
            << "[" << spec.section << "] " << spec.key << " is missing from the sample";
        EXPECT_EQ(c.get(spec.section, spec.key), defaults.get(spec.section, spec.key))
            << "[" << spec.section << "] " << spec.key << " differs from the default";
    }
}
