#include "config/schema.hpp"

#include <array>

namespace rtchat::config {
namespace {

// `${state_dir}` is $RTCHAT_STATE_DIR, or /var/lib/rtchat when that is unset.
constexpr std::array keys{
    KeySpec{"store", "path", Kind::path, "${state_dir}/rtchat.db",
            "SQLite database holding chats, messages and guest links."},
    KeySpec{"store", "synchronous", Kind::choice, "full",
            "SQLite synchronous mode: full survives power loss, normal only process crashes.", 0, 0,
            "full|normal"},

    KeySpec{"chatd", "socket", Kind::path, "${state_dir}/chatd.sock",
            "Unix socket on which chatd serves chatctl, chat-webd and scripts."},
    KeySpec{"chatd", "socket_mode", Kind::mode, "0660",
            "Permissions of the socket; chatd still checks every peer's credentials."},
    KeySpec{"chatd", "socket_group", Kind::text, "",
            "Group owning the socket (empty: the CO group, when it exists)."},
    KeySpec{"chatd",
            "co_group",
            Kind::text,
            "rtchat-co",
            "Unix group whose members are computing officers; root always is one.",
            0,
            0,
            {},
            false},
    KeySpec{"chatd",
            "max_request_bytes",
            Kind::integer,
            "65536",
            "Longest request line a client may send, in bytes; applies to new connections.",
            1024,
            16 * 1024 * 1024,
            {},
            false},
    KeySpec{"chatd",
            "max_message_bytes",
            Kind::integer,
            "8192",
            "Longest chat message or summary, in bytes of UTF-8.",
            16,
            1024 * 1024,
            {},
            false},
    KeySpec{"chatd",
            "max_clients",
            Kind::integer,
            "4096",
            "Most clients connected to the socket at once.",
            1,
            1000000,
            {},
            false},
    KeySpec{"chatd",
            "max_output_bytes",
            Kind::integer,
            "4194304",
            "Unsent replies and events a client may fall behind by before it is dropped; applies "
            "to new connections.",
            65536,
            1 << 30,
            {},
            false},
    KeySpec{"chatd",
            "link_ttl",
            Kind::duration,
            "24h",
            "How long a guest link works after it was sent.",
            60,
            90LL * 24 * 3600,
            {},
            false},

    KeySpec{"chatd",
            "web_user",
            Kind::text,
            "rtchat-web",
            "Unix user chat-webd runs as; its connections may act for users of guest links.",
            0,
            0,
            {},
            false},

    KeySpec{"web",
            "session_ttl",
            Kind::duration,
            "12h",
            "How long a browser session lasts after a guest link was spent.",
            60,
            30LL * 24 * 3600,
            {},
            false},
    KeySpec{"web", "share_dir", Kind::path, "${share_dir}",
            "Folder holding templates/ and static/ (the pages, styles and scripts)."},
    KeySpec{"web", "heartbeat", Kind::duration, "15s",
            "How often an idle event stream gets a keep-alive; a browser that left is noticed "
            "within about this long.",
            1, 300},
    KeySpec{"web",
            "max_streams_per_session",
            Kind::integer,
            "4",
            "Most event streams (tabs) one browser session may hold open.",
            1,
            100,
            {},
            true},
    KeySpec{"web", "max_streams_per_user", Kind::integer, "10",
            "Most event streams one user may hold open over all their chats and sessions.", 1,
            1000},
    KeySpec{"web",
            "messages_per_minute",
            Kind::integer,
            "30",
            "Most messages one browser session may send per minute.",
            1,
            6000,
            {},
            true},
    KeySpec{"web", "trusted_proxies", Kind::list, "127.0.0.1",
            "Addresses (comma-separated) whose requests may name the signed-in user in "
            "user_header: the site's Apache."},
    KeySpec{"web", "user_header", Kind::text, "X-Remote-User",
            "Request header in which the trusted proxy names the signed-in user."},
    KeySpec{"web", "listen", Kind::listen, "127.0.0.1:8080",
            "Address and port chat-webd listens on."},
    KeySpec{"web",
            "base_url",
            Kind::url,
            "http://127.0.0.1:8080",
            "Public URL of chat-webd, as users reach it; guest links start with it.",
            0,
            0,
            {},
            false},

    KeySpec{"chat2rt", "spool_dir", Kind::path, "${state_dir}/spool",
            "Folder that receives transcripts as RFC 5322 files while no RT system is "
            "configured."},
    KeySpec{"chat2rt", "from", Kind::text, "rtchat@localhost", "The From: address of transcripts."},
    // chat2rt reads its configuration when it starts (every timer run).
    KeySpec{"chat2rt", "rtname", Kind::text, "",
            "RT's rtname, for the subject tag [rtname #N] of transcripts of chats bound to a "
            "ticket; empty: no tag."},
    KeySpec{"chat2rt", "interval", Kind::duration, "30s",
            "How often chat2rt, run as a service, looks for finished chats.", 1, 3600},
    KeySpec{"chat2rt", "retry_after", Kind::duration, "1m",
            "The first wait before a failed delivery is tried again; it doubles each time, up "
            "to an hour.",
            1, 3600},

    KeySpec{"log", "level", Kind::choice, "info", "Least severe log level written.", 0, 0,
            "debug|info|warning|error", false},
};

} // namespace

std::span<const KeySpec> schema() {
    return keys;
}

const KeySpec* find_key(std::string_view section, std::string_view key) {
    for (const KeySpec& spec : keys)
        if (spec.section == section && spec.key == key)
            return &spec;
    return nullptr;
}

} // namespace rtchat::config
