#pragma once
// The -c/--config option every binary shares.

#include <CLI/CLI.hpp>
#include <string>

namespace rtchat::config {

inline CLI::Option* add_config_option(CLI::App& app, std::string& path) {
    return app
        .add_option("-c,--config", path,
                    "configuration file (default: $RTCHAT_CONFIG, else /etc/rtchat/rtchat.conf "
                    "if it exists, else the embedded defaults)")
        ->envname("RTCHAT_CONFIG");
}

} // namespace rtchat::config
