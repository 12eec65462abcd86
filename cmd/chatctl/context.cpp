#include "context.hpp"

namespace rtchat::chatctl {

const CLI::Validator& positive_id() {
    static const CLI::Validator validator(
        [](std::string& text) -> std::string {
            if (text.empty() || text.size() > 18 ||
                text.find_first_not_of("0123456789") != std::string::npos || std::stoll(text) < 1)
                return "'" + text + "' is not a positive whole number";
            return {};
        },
        "ID");
    return validator;
}

int exit_code_for(proto::ErrorCode code) {
    switch (code) {
    case proto::ErrorCode::not_authorised:
        return exit_not_authorised;
    case proto::ErrorCode::not_found:
        return exit_not_found;
    case proto::ErrorCode::invalid_state:
        return exit_invalid_state;
    case proto::ErrorCode::bad_request:
    case proto::ErrorCode::too_large:
        return exit_bad_input;
    case proto::ErrorCode::unavailable:
    case proto::ErrorCode::internal:
        return exit_failure;
    }
    return exit_failure;
}

const config::Config& Context::config() {
    if (!config_)
        config_ = std::make_unique<config::Config>(config::Config::load(config_path));
    return *config_;
}

ipc::Client& Context::client() {
    if (!client_)
        client_ = std::make_unique<ipc::Client>(config().get("chatd", "socket"));
    return *client_;
}

} // namespace rtchat::chatctl
