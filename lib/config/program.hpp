#pragma once
// How every rtchat daemon starts: -c/--config, --check-config, --version,
// the log level from the configuration, and one place where errors become
// exit codes (2: configuration or usage; `fatal_exit` for anything else).

#include "config/config.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace rtchat::config {

struct Program {
    std::string name;        ///< the log component and the prefix of error lines
    std::string description; ///< for --help
    int fatal_exit = 1;
    /// Adds the program's own options.
    std::function<void(CLI::App&)> add_options = {};
    /// Runs with the loaded configuration and where it came from (for reloads).
    std::function<int(const Config&, const std::string& config_path)> run;
    /// Checks beyond the key table (files the keys name, keys that go
    /// together), for --check-config; throws ConfigError.
    std::function<void(const Config&)> check = {};
};

int run_program(int argc, char** argv, const Program& program);

} // namespace rtchat::config
