// Drives a running chatd through its socket and prints what it measured:
//   chatd_bench SOCKET CHATD_PID
// - say throughput with one request in flight, and pipelined (64 in flight);
// - chatd's RSS idle, with 1,000 open chats, and with 1,000 clients subscribed.

#include "ipc/client.hpp"

#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace rtchat;
using Clock = std::chrono::steady_clock;

namespace {

long rss_kib(const std::string& pid) {
    std::ifstream status("/proc/" + pid + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: chatd_bench SOCKET CHATD_PID\n");
        return 2;
    }
    const std::string socket = argv[1];
    const std::string pid = argv[2];
    ipc::Client client(socket);
    const long rss_idle = rss_kib(pid);

    const int64_t chat = client.call("start", {{"user", "bench"}})["chat"]["id"];
    const std::string text = "a typical chat line of about sixty bytes, give or take a few";

    constexpr int sequential = 2000;
    auto t0 = Clock::now();
    for (int i = 0; i < sequential; ++i)
        client.call("say", {{"chat", chat}, {"text", text}});
    const double seq_rate = sequential / seconds_since(t0);

    constexpr int pipelined = 10000;
    constexpr int window = 64;
    std::vector<int64_t> in_flight;
    t0 = Clock::now();
    int sent = 0;
    int done = 0;
    while (done < pipelined) {
        while (sent < pipelined && sent - done < window) {
            in_flight.push_back(client.send("say", {{"chat", chat}, {"text", text}}));
            ++sent;
        }
        client.wait_reply(in_flight[static_cast<size_t>(done)]);
        ++done;
    }
    const double pipe_rate = pipelined / seconds_since(t0);

    for (int i = 0; i < 1000; ++i)
        client.call("start", {{"user", fmt::format("user{}", i)}, {"rt_ticket", 1000 + i}});
    const long rss_chats = rss_kib(pid);
    const size_t open = client.call("list")["chats"].size();

    std::vector<std::unique_ptr<ipc::Client>> watchers;
    for (int i = 0; i < 1000; ++i) {
        watchers.push_back(std::make_unique<ipc::Client>(socket));
        watchers.back()->call("subscribe", {{"chat", chat}});
    }
    const long rss_clients = rss_kib(pid);

    fmt::print("say, 1 in flight:        {:8.0f} msg/s ({} messages)\n", seq_rate, sequential);
    fmt::print("say, {} in flight:       {:8.0f} msg/s ({} messages)\n", window, pipe_rate,
               pipelined);
    fmt::print("chatd RSS, idle:          {:8} KiB\n", rss_idle);
    fmt::print("chatd RSS, {} open chats: {:8} KiB\n", open, rss_chats);
    fmt::print("chatd RSS, + 1000 subscribed clients: {} KiB\n", rss_clients);
    return 0;
}
