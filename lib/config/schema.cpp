#include "config/schema.hpp"

#include <array>
#include <cctype>

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
    KeySpec{"web", "connection_memory", Kind::integer, "6144",
            "Bytes each connection may use for its request line, headers and answer headers "
            "(libmicrohttpd's per-connection pool); a request that needs more gets 431.",
            4096, 1024 * 1024},
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

    KeySpec{"chat2rt", "default_rt", Kind::text, "",
            "The RT system (the NAME of an [rt.NAME] section) for chats that name none; empty: "
            "the only one configured, or the spool when there is none."},
    KeySpec{"chat2rt", "concurrency", Kind::integer, "4",
            "Most transcripts delivered at the same time.", 1, 32},

    // [rt.NAME]: one section per RT system, read when chat2rt starts.
    KeySpec{"rt.NAME", "backend", Kind::choice, "",
            "How transcripts reach this RT: mail (SMTP to its mail gateway), rest2 (RT 5's "
            "REST2 API), rest1 (RT 4's REST 1.0 API) or spool (files in spool_dir).",
            0, 0, "spool|mail|rest1|rest2"},
    KeySpec{"rt.NAME", "url", Kind::url, "",
            "RT's web address, such as https://rt.example.org (the API lives under it)."},
    KeySpec{"rt.NAME", "auth", Kind::choice, "basic",
            "How chat2rt signs in to RT's API: negotiate (Kerberos, with keytab and principal), "
            "token (an RT 5 auth token from token_file) or basic (user and password_file).",
            0, 0, "negotiate|token|basic"},
    KeySpec{"rt.NAME", "user", Kind::text, "", "RT user name for auth = basic."},
    KeySpec{"rt.NAME", "password_file", Kind::text, "",
            "File holding the password of user (its first line)."},
    KeySpec{"rt.NAME", "token_file", Kind::text, "",
            "File holding an RT 5 auth token (its first line), for auth = token."},
    KeySpec{"rt.NAME", "keytab", Kind::text, "",
            "Keytab holding the key of principal, for auth = negotiate."},
    KeySpec{"rt.NAME", "principal", Kind::text, "",
            "Kerberos principal chat2rt acts as, for auth = negotiate."},
    KeySpec{"rt.NAME", "ca_file", Kind::text, "",
            "CA certificates (PEM) to check RT's certificate against; empty: the system's."},
    KeySpec{"rt.NAME", "timeout", Kind::duration, "30s",
            "Longest one request to RT or the mail server may take.", 1, 600},
    KeySpec{"rt.NAME", "action", Kind::choice, "comment",
            "What a transcript becomes on its ticket: comment (staff only) or correspond (also "
            "mailed to the requestors).",
            0, 0, "comment|correspond"},
    KeySpec{"rt.NAME", "share_link", Kind::choice, "correspond",
            "How the link of a chat started from a ticket reaches its requestor: correspond (a "
            "reply on the ticket, which RT records and mails), mail (straight to them through "
            "smtp_url), both, or none (the CO passes it on).",
            0, 0, "correspond|mail|both|none"},
    KeySpec{"rt.NAME", "site_logins", Kind::choice, "no",
            "yes: RT user names that are not email addresses are the site's logins, so a chat "
            "with such a requestor needs that login (under /my/) instead of a guest link.",
            0, 0, "yes|no"},
    KeySpec{"rt.NAME", "queue", Kind::text, "General",
            "Queue of the new ticket made for a chat bound to none."},
    KeySpec{"rt.NAME", "fallback_queue", Kind::text, "",
            "Queue of the new, flagged ticket made when a chat's ticket fails the checks "
            "(missing, queue not allowed, user not a requestor); empty: queue."},
    KeySpec{"rt.NAME", "allowed_queues", Kind::list, "",
            "Queues (comma-separated) whose tickets may receive transcripts; empty: any."},
    KeySpec{"rt.NAME", "rtname", Kind::text, "",
            "RT's rtname, for the subject tag [rtname #N] of mailed transcripts."},
    KeySpec{"rt.NAME", "smtp_url", Kind::text, "smtp://localhost",
            "Mail server for backend = mail: smtp://host[:port] or smtps://host[:port]."},
    KeySpec{"rt.NAME", "comment_address", Kind::text, "",
            "RT's comment address (rt-mailgate --action comment), for backend = mail."},
    KeySpec{"rt.NAME", "correspond_address", Kind::text, "",
            "RT's correspondence address (rt-mailgate --action correspond), for backend = mail."},
    KeySpec{"rt.NAME", "queue_address", Kind::text, "",
            "Address that opens a new ticket in queue (and fallback_queue unless "
            "fallback_address is set), for backend = mail."},
    KeySpec{"rt.NAME", "fallback_address", Kind::text, "",
            "Address that opens a new ticket in fallback_queue, for backend = mail; empty: "
            "queue_address."},
    KeySpec{"rt.NAME", "mail_confirm_timeout", Kind::duration, "15m",
            "For backend = mail with a url: how long a mailed transcript may take to show up "
            "in RT before it counts as refused.",
            1, 7 * 24 * 3600},
    KeySpec{"rt.NAME", "spool_dir", Kind::path, "${state_dir}/spool",
            "Folder receiving transcripts for backend = spool."},

    // [xmpp]: chatd's link to the site's XMPP server, read when chatd starts.
    KeySpec{"xmpp", "mode", Kind::choice, "off",
            "How chatd joins XMPP: component (XEP-0114, an address per chat), client (a plain "
            "account with a MUC room per chat) or off.",
            0, 0, "off|component|client"},
    KeySpec{"xmpp", "host", Kind::text, "127.0.0.1", "The XMPP server's host name or address."},
    KeySpec{"xmpp", "port", Kind::integer, "5347",
            "Its component port (mode = component) or client port (mode = client).", 1, 65535},
    KeySpec{"xmpp", "domain", Kind::text, "",
            "The component's address, such as chat.example.org; chats are chat-ID@domain."},
    KeySpec{"xmpp", "secret_file", Kind::text, "",
            "File holding the component's shared secret (its first line)."},
    KeySpec{"xmpp", "jid", Kind::text, "", "The account chatd logs in as, for mode = client."},
    KeySpec{"xmpp", "password_file", Kind::text, "",
            "File holding that account's password, for mode = client."},
    KeySpec{"xmpp", "muc_service", Kind::text, "",
            "The MUC service for the rooms of mode = client, such as conference.example.org."},
    KeySpec{"xmpp", "ca_file", Kind::text, "",
            "For mode = client: CA certificates for the server's certificate (STARTTLS); "
            "empty: the system's."},
    KeySpec{"xmpp", "co_jids", Kind::list, "",
            "The COs' XMPP addresses, comma-separated: jid (the CO is its local part) or "
            "name=jid; only these may chat and give commands."},

    KeySpec{"log", "level", Kind::choice, "info", "Least severe log level written.", 0, 0,
            "debug|info|warning|error", false},
};

} // namespace

std::span<const KeySpec> schema() {
    return keys;
}

std::string template_of(std::string_view section) {
    for (const KeySpec& spec : keys) {
        if (spec.section == section && !spec.section.ends_with(named_section_suffix))
            return std::string(section);
        if (!spec.section.ends_with(named_section_suffix))
            continue;
        const std::string_view prefix =
            spec.section.substr(0, spec.section.size() - named_section_suffix.size() + 1);
        if (!section.starts_with(prefix) || section.size() == prefix.size())
            continue;
        const std::string_view name = section.substr(prefix.size());
        bool valid = name.size() <= 64;
        for (char c : name)
            valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        if (valid)
            return std::string(spec.section);
    }
    return {};
}

const KeySpec* find_key(std::string_view section, std::string_view key) {
    const std::string schema_section = template_of(section);
    for (const KeySpec& spec : keys)
        if (spec.section == schema_section && spec.key == key)
            return &spec;
    return nullptr;
}

} // namespace rtchat::config
