#include "context.hpp"
#include "print.hpp"

#include <array>
#include <cerrno>
#include <iostream>
#include <poll.h>
#include <unistd.h>

namespace rtchat::chatctl {
namespace {

constexpr const char* join_help =
    "Type a line and press Enter to send it. Commands:\n"
    "  /close [summary]  end the chat, with an optional summary for RT\n"
    "  /quit             leave (the chat stays open)\n"
    "  //text            send a line that starts with '/'\n";

// Prints an event; returns false when the chat has ended.
bool show_event(const proto::json& event) {
    const std::string kind = event.value("event", "");
    if (kind == "message") {
        std::cout << format_message(event["message"]) << std::endl;
    } else if (kind == "presence" && event.value("who", "") == "user") {
        std::cout << "-- the user is " << event.value("state", "?") << std::endl;
    } else if (kind == "chat") {
        const proto::json& chat = event["chat"];
        const std::string state = chat.value("state", "");
        if (state != "invited" && state != "active") {
            std::cout << "-- chat " << chat.value("id", int64_t{0}) << " is now " << state
                      << " (by " << terminal_safe(chat.value("closed_by", "?")) << ")" << std::endl;
            return false;
        }
    }
    return true;
}

class Session {
public:
    Session(Context& ctx, int64_t id)
        : ctx_(ctx)
        , id_(id) {}

    int run() {
        ipc::Client& client = ctx_.client();
        proto::json result = client.call("subscribe", {{"chat", id_}, {"after", 0}});
        const proto::json& chat = result["chat"];
        std::cout << format_chat_header(chat);
        bool open = chat.value("state", "") == "invited" || chat.value("state", "") == "active";
        while (auto e = client.next_event(0))
            show_event(*e);
        if (!open) {
            std::cerr << "chatctl: chat " << id_ << " is " << chat.value("state", "?")
                      << "; it takes no more messages\n";
            return exit_invalid_state;
        }
        if (isatty(STDIN_FILENO))
            std::cout << "-- joined; /help for commands" << std::endl;

        std::string pending;
        for (;;) {
            while (client.has_queued_event())
                if (!show_event(*client.next_event(0)))
                    return exit_ok;
            std::array<pollfd, 2> fds{pollfd{STDIN_FILENO, POLLIN, 0},
                                      pollfd{client.fd(), POLLIN, 0}};
            if (poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR)
                    continue;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            if (fds[1].revents) {
                if (auto e = client.next_event(0); e && !show_event(*e))
                    return exit_ok;
            }
            if (fds[0].revents) {
                std::array<char, 4096> buf;
                ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    if (!pending.empty() && !handle_line(pending))
                        return exit_ok;
                    return exit_ok;
                }
                pending.append(buf.data(), static_cast<size_t>(n));
                for (size_t nl = pending.find('\n'); nl != std::string::npos;
                     nl = pending.find('\n')) {
                    std::string line = pending.substr(0, nl);
                    pending.erase(0, nl + 1);
                    if (!handle_line(line))
                        return exit_ok;
                }
            }
        }
    }

private:
    // Returns false when the session should end.
    bool handle_line(std::string line) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            return true;
        try {
            if (line == "/quit")
                return false;
            if (line == "/help") {
                std::cout << join_help << std::flush;
                return true;
            }
            if (line == "/close" || line.starts_with("/close ")) {
                std::string summary = line.size() > 7 ? line.substr(7) : "";
                ctx_.client().call("close", {{"chat", id_}, {"summary", summary}});
                return true; // the chat event that follows ends the session
            }
            if (line.starts_with("//"))
                line.erase(0, 1);
            else if (line.front() == '/') {
                std::cout << "-- unknown command; /help lists them" << std::endl;
                return true;
            }
            ctx_.client().call("say", {{"chat", id_}, {"text", line}});
        } catch (const ipc::RemoteError& e) {
            // A refused line is reported and the session goes on.
            std::cout << "-- not sent: " << e.what() << std::endl;
        }
        return true;
    }

    Context& ctx_;
    int64_t id_;
};

} // namespace

void set_join_command(CLI::App& app, Context& ctx) {
    auto id = std::make_shared<int64_t>(0);
    CLI::App* cmd = app.add_subcommand(
        "join", "chat interactively: messages as they arrive, lines from stdin are sent");
    cmd->add_option("id", *id, "chat id")->required()->check(positive_id());
    cmd->footer(join_help);
    cmd->callback([&ctx, id] { ctx.exit_code = Session(ctx, *id).run(); });
}

} // namespace rtchat::chatctl
