#pragma once
// The RT systems of rtchat.conf ([rt.NAME] sections), checked as a whole
// and with their secrets read from their files.

#include "config/config.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace rtchat::rt {

enum class Backend { spool, mail, rest1, rest2 };
enum class Auth { negotiate, token, basic };
enum class Action { comment, correspond };
enum class ShareLink { correspond, mail, both, none };

struct System {
    std::string name;
    Backend backend = Backend::spool;
    std::string url; ///< without a trailing '/'; may be empty for mail and spool
    Auth auth = Auth::basic;
    std::string user;
    std::string password; ///< read from password_file
    std::string token;    ///< read from token_file
    std::string keytab;
    std::string principal;
    std::string ca_file;
    std::chrono::seconds timeout{30};
    std::chrono::seconds mail_confirm_timeout{900};
    Action action = Action::comment;
    ShareLink share_link = ShareLink::correspond;
    bool site_logins = false; ///< RT user names that are not addresses are site logins
    std::string queue;
    std::string fallback_queue;
    std::vector<std::string> allowed_queues; ///< empty: any
    std::string rtname;
    std::string smtp_url;
    std::string comment_address;
    std::string correspond_address;
    std::string queue_address;
    std::string fallback_address;
    std::string spool_dir;
    std::string from;

    bool has_api() const { return !url.empty() && backend != Backend::spool; }
    bool queue_allowed(const std::string& queue_name) const;
};

/// Every [rt.NAME] section. Throws config::ConfigError naming the section
/// and key for what is missing or contradictory, or a secret file that
/// cannot be read.
std::vector<System> load_systems(const config::Config& config);

/// The system a chat belongs to: its own `name`, else [chat2rt] default_rt,
/// else the only one configured. Nullptr when none is configured (the
/// spool serves). Throws config::ConfigError when the choice is ambiguous or
/// the name unknown.
const System* choose_system(const std::vector<System>& systems, const config::Config& config,
                            const std::string& name);

std::string_view to_string(Backend backend);

} // namespace rtchat::rt
