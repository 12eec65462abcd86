#include "config/program.hpp"

#include "config/cli.hpp"
#include "log/log.hpp"

#include <iostream>

namespace rtchat::config {

int run_program(int argc, char** argv, const Program& program) {
    log::set_component(program.name);
    CLI::App app{program.description};
    std::string config_path;
    bool check_only = false;
    add_config_option(app, config_path);
    app.add_flag("--check-config", check_only, "check the configuration file and exit");
    app.set_version_flag("--version", RTCHAT_VERSION);
    if (program.add_options)
        program.add_options(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        const Config cfg = Config::load(config_path);
        if (check_only) {
            if (program.check)
                program.check(cfg);
            std::cout << "configuration OK: " << cfg.source() << "\n";
            return 0;
        }
        log::set_level(log::parse_level(cfg.get("log", "level")));
        return program.run(cfg, config_path);
    } catch (const ConfigError& e) {
        std::cerr << program.name << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        log::error("fatal", {{"error", e.what()}});
        std::cerr << program.name << ": " << e.what() << "\n";
        return program.fatal_exit;
    }
}

} // namespace rtchat::config
