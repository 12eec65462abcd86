#include "rt/system.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <sys/stat.h>

namespace rtchat::rt {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool is_loopback(const std::string& url) {
    const std::string_view rest = std::string_view(url).substr(url.find("://") + 3);
    for (std::string_view host : {"localhost", "127.", "[::1]"})
        if (rest.starts_with(host) && (host.back() == '.' || rest.size() == host.size() ||
                                       rest[host.size()] == ':' || rest[host.size()] == '/'))
            return true;
    return false;
}

class Section {
public:
    Section(const config::Config& config, std::string name)
        : config_(config)
        , name_(std::move(name))
        , section_("rt." + name_) {}

    const std::string& get(std::string_view key) const { return config_.get(section_, key); }

    [[noreturn]] void fail(std::string_view key, const std::string& why) const {
        const std::string& where = config_.origin(section_, key);
        throw config::ConfigError(fmt::format(
            "{}: [{}] {}: {}", where == "default" ? config_.source() : where, section_, key, why));
    }

    const std::string& require(std::string_view key, std::string_view because) const {
        const std::string& value = get(key);
        if (value.empty())
            fail(key, fmt::format("must be set {}", because));
        return value;
    }

    // The first line of a file that only chat2rt's user should read.
    std::string secret(std::string_view key, std::string_view because) const {
        const std::string& path = require(key, because);
        std::ifstream in(path);
        if (!in)
            fail(key, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
        std::string line;
        std::getline(in, line);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (line.empty())
            fail(key, fmt::format("{} is empty", path));
        return line;
    }

    std::chrono::seconds duration(std::string_view key) const {
        return config_.get_duration(section_, key);
    }

private:
    const config::Config& config_;
    std::string name_;
    std::string section_;
};

System load_one(const config::Config& config, const std::string& name) {
    const Section s(config, name);
    System sys;
    sys.name = name;
    const std::string& backend = s.require("backend", "to mail, rest1, rest2 or spool");
    sys.backend = backend == "mail"    ? Backend::mail
                  : backend == "rest1" ? Backend::rest1
                  : backend == "rest2" ? Backend::rest2
                                       : Backend::spool;
    sys.url = s.get("url");
    while (sys.url.ends_with('/'))
        sys.url.pop_back();
    sys.ca_file = s.get("ca_file");
    sys.timeout = s.duration("timeout");
    sys.mail_confirm_timeout = s.duration("mail_confirm_timeout");
    sys.action = s.get("action") == "correspond" ? Action::correspond : Action::comment;
    const std::string& share = s.get("share_link");
    sys.share_link = share == "none"   ? ShareLink::none
                     : share == "mail" ? ShareLink::mail
                     : share == "both" ? ShareLink::both
                                       : ShareLink::correspond;
    sys.site_logins = s.get("site_logins") == "yes";
    sys.queue = s.require("queue", "to the queue of new tickets");
    sys.fallback_queue = s.get("fallback_queue").empty() ? sys.queue : s.get("fallback_queue");
    sys.allowed_queues = config::split_list(s.get("allowed_queues"));
    sys.rtname = s.get("rtname");
    sys.smtp_url = s.get("smtp_url");
    sys.comment_address = s.get("comment_address");
    sys.correspond_address = s.get("correspond_address");
    sys.queue_address = s.get("queue_address");
    sys.fallback_address =
        s.get("fallback_address").empty() ? sys.queue_address : s.get("fallback_address");
    sys.spool_dir = s.get("spool_dir");
    sys.from = config.get("chat2rt", "from");

    if (sys.backend == Backend::rest1 || sys.backend == Backend::rest2)
        s.require("url", "for the REST backends");
    if (sys.backend == Backend::mail) {
        if (!sys.smtp_url.starts_with("smtp://") && !sys.smtp_url.starts_with("smtps://"))
            s.fail("smtp_url", "expected smtp://host[:port] or smtps://host[:port]");
        s.require("rtname", "so that mail reaches the chat's ticket");
        s.require(sys.action == Action::comment ? "comment_address" : "correspond_address",
                  "for backend = mail with this action");
        s.require("queue_address", "for chats bound to no ticket");
    }
    if (sys.share_link == ShareLink::mail || sys.share_link == ShareLink::both)
        if (!sys.smtp_url.starts_with("smtp://") && !sys.smtp_url.starts_with("smtps://"))
            s.fail("smtp_url", "expected smtp://host[:port] or smtps://host[:port], to mail links");
    if (sys.has_api()) {
        const std::string& auth = s.get("auth");
        sys.auth = auth == "negotiate" ? Auth::negotiate
                   : auth == "token"   ? Auth::token
                                       : Auth::basic;
        switch (sys.auth) {
        case Auth::negotiate:
            sys.keytab = s.require("keytab", "for auth = negotiate");
            sys.principal = s.require("principal", "for auth = negotiate");
            if (!sys.url.starts_with("https://"))
                s.fail("url", "Kerberos needs https://, so that RT is who it says");
            break;
        case Auth::token:
            if (sys.backend == Backend::rest1)
                s.fail("auth", "RT 4's REST 1.0 has no auth tokens; use basic or negotiate");
            sys.token = s.secret("token_file", "for auth = token");
            break;
        case Auth::basic:
            sys.user = s.require("user", "for auth = basic");
            sys.password = s.secret("password_file", "for auth = basic");
            break;
        }
        // A password or token in clear text may cross this machine only.
        if (sys.auth != Auth::negotiate && sys.url.starts_with("http://") && !is_loopback(sys.url))
            s.fail("url", "would send RT's password or token unencrypted; use https://");
    }
    return sys;
}

} // namespace

bool System::queue_allowed(const std::string& queue_name) const {
    if (allowed_queues.empty())
        return true;
    for (const std::string& q : allowed_queues)
        if (lower(q) == lower(queue_name))
            return true;
    return false;
}

std::vector<System> load_systems(const config::Config& config) {
    std::vector<System> systems;
    for (const std::string& name : config.named_sections("rt"))
        systems.push_back(load_one(config, name));
    const std::string& wanted = config.get("chat2rt", "default_rt");
    if (!wanted.empty() &&
        std::none_of(systems.begin(), systems.end(), [&](auto& s) { return s.name == wanted; }))
        throw config::ConfigError(
            fmt::format("{}: [chat2rt] default_rt: there is no [rt.{}] section",
                        config.origin("chat2rt", "default_rt"), wanted));
    return systems;
}

const System* choose_system(const std::vector<System>& systems, const config::Config& config,
                            const std::string& name) {
    std::string wanted = name.empty() ? config.get("chat2rt", "default_rt") : name;
    if (wanted.empty()) {
        if (systems.empty())
            return nullptr;
        if (systems.size() > 1)
            throw config::ConfigError(
                "several RT systems are configured and the chat names none; set [chat2rt] "
                "default_rt");
        return &systems.front();
    }
    for (const System& sys : systems)
        if (sys.name == wanted)
            return &sys;
    throw config::ConfigError(fmt::format("no RT system [rt.{}] in {}", wanted, config.source()));
}

std::string_view to_string(Backend backend) {
    switch (backend) {
    case Backend::spool:
        return "spool";
    case Backend::mail:
        return "mail";
    case Backend::rest1:
        return "rest1";
    case Backend::rest2:
        return "rest2";
    }
    return "?";
}

} // namespace rtchat::rt
