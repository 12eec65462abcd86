// Measures chat-webd beside a bare libmicrohttpd event-stream server (the
// floor, bench/bare_sse.cpp), in one run:
//  - RSS per idle event stream with N browsers connected, each with its own
//    browser-like request (about 650 bytes of headers);
//  - latency from a user's POST to the event reaching a CO's stream, with
//    1,000 browsers connected and every chat active in turn; and, from the
//    same moment, to the POST's reply; and CPU time per message.
//
//   webd_bench rss     bare|webd PORT PID N [CHATD_SOCKET]
//   webd_bench latency bare|webd PORT PID N COUNT [CHATD_SOCKET CHATD_PID]

#include "auth/token.hpp"
#include "ipc/client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace rtchat;
using Clock = std::chrono::steady_clock;

namespace {

long rss_kib(int pid) {
    std::ifstream status(fmt::format("/proc/{}/status", pid));
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

// Headers as a browser sends them for an EventSource, padded to ~650 bytes.
std::string stream_request(int port, const std::string& path, const std::string& extra) {
    std::string req = fmt::format(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36\r\n"
        "Accept: text/event-stream\r\nAccept-Language: en-GB,en;q=0.9\r\n"
        "Accept-Encoding: gzip, deflate, br, zstd\r\nCache-Control: no-cache\r\n"
        "Referer: http://127.0.0.1:{}/chat\r\nSec-Fetch-Dest: empty\r\nSec-Fetch-Mode: cors\r\n"
        "Sec-Fetch-Site: same-origin\r\nConnection: keep-alive\r\n{}",
        path, port, port, extra);
    if (req.size() < 640)
        req += "X-Padding: " + std::string(640 - req.size(), 'p') + "\r\n";
    return req + "\r\n";
}

int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error(fmt::format("connect: {}", strerror(errno)));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// Opens one stream per request and waits until each has sent its first event.
std::vector<int> open_streams(int port, const std::vector<std::string>& requests) {
    std::vector<int> fds;
    const int ep = epoll_create1(0);
    for (size_t i = 0; i < requests.size(); ++i) {
        int fd = connect_to(port);
        if (write(fd, requests[i].data(), requests[i].size()) !=
            static_cast<ssize_t>(requests[i].size()))
            throw std::runtime_error("short write");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        fds.push_back(fd);
    }
    std::vector<bool> ready(fds.size(), false);
    size_t count = 0;
    std::vector<epoll_event> events(512);
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (count < fds.size() && Clock::now() < deadline) {
        int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
        for (int k = 0; k < n; ++k) {
            const size_t i = events[static_cast<size_t>(k)].data.u64;
            char buf[4096];
            ssize_t got = read(fds[i], buf, sizeof buf);
            if (got <= 0)
                throw std::runtime_error(fmt::format("stream {} closed during set-up", i));
            if (!ready[i] &&
                std::string_view(buf, static_cast<size_t>(got)).find("\n\n") != std::string::npos) {
                ready[i] = true;
                ++count;
                epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
            }
        }
    }
    close(ep);
    if (count < fds.size())
        throw std::runtime_error(fmt::format("only {} of {} streams opened", count, fds.size()));
    return fds;
}

size_t collect_header(char* data, size_t size, size_t n, void* out) {
    std::string line(data, size * n);
    if (line.rfind("Set-Cookie: rtchat_session=", 0) == 0) {
        auto* cookie = static_cast<std::string*>(out);
        *cookie = line.substr(27, line.find(';') - 27);
    }
    return size * n;
}

// N chats, each with a browser session (the guest link spent through chat-webd).
std::vector<std::string> make_sessions(const std::string& chatd_socket, int port, int n) {
    ipc::Client chatd(chatd_socket);
    CURL* curl = curl_easy_init();
    std::vector<std::string> sessions;
    for (int i = 0; i < n; ++i) {
        const std::string url =
            chatd.call("start", {{"user", fmt::format("user{}", i)}})["link"]["url"];
        const std::string local =
            fmt::format("http://127.0.0.1:{}{}", port, url.substr(url.find("/c/")));
        std::string cookie;
        curl_easy_setopt(curl, CURLOPT_URL, local.c_str());
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &cookie);
        if (curl_easy_perform(curl) != CURLE_OK || cookie.empty())
            throw std::runtime_error("could not spend a guest link");
        sessions.push_back(cookie);
    }
    curl_easy_cleanup(curl);
    return sessions;
}

void measure_rss(bool webd, int port, int pid, int n, const std::string& chatd_socket) {
    std::vector<std::string> requests;
    if (webd) {
        for (const std::string& s : make_sessions(chatd_socket, port, n))
            requests.push_back(
                stream_request(port, "/chat/events", "Cookie: rtchat_session=" + s + "\r\n"));
    } else {
        for (int i = 0; i < n; ++i)
            requests.push_back(stream_request(
                port, "/events", "Cookie: rtchat_session=" + std::string(43, 'x') + "\r\n"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const long before = rss_kib(pid);
    std::vector<int> fds = open_streams(port, requests);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long after = rss_kib(pid);
    fmt::print("{} rss streams={} before_kib={} after_kib={} per_stream_bytes={:.0f}\n",
               webd ? "chat-webd" : "bare", n, before, after,
               (after - before) * 1024.0 / static_cast<double>(n));
    // BENCH_HOLD=SECONDS keeps the streams open for a look from outside
    // (gdb's malloc_stats, /proc/PID/smaps).
    if (const char* hold = std::getenv("BENCH_HOLD"))
        std::this_thread::sleep_for(std::chrono::seconds(std::atoi(hold)));
    for (int fd : fds)
        close(fd);
}

// CPU time (user + system) a process has used so far, in seconds.
double cpu_seconds(const std::string& pid) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), {});
    // Fields after the command name, which may hold spaces: state is the
    // third field of the file, utime and stime the 14th and 15th.
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    long ticks = 0;
    for (int k = 3; k <= 15 && rest >> field; ++k)
        if (k >= 14)
            ticks += std::stol(field);
    return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(const std::vector<double>& sorted, double p) {
    return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))];
}

// One probe at a time: the user's POST goes out, and two clocks run from
// that moment, one until the probe's event arrives on the CO's stream, one
// until the POST's own reply. The first is the figure the budget names; the
// second shows what the writer waits for (chat-webd: the store's sync).
void measure_latency(bool webd, int port, int n, int count, const std::string& chatd_socket,
                     const std::vector<std::string>& watched_pids) {
    std::vector<std::string> sessions;
    std::vector<std::string> requests;
    if (webd) {
        sessions = make_sessions(chatd_socket, port, n);
        for (const std::string& s : sessions)
            requests.push_back(
                stream_request(port, "/chat/events", "Cookie: rtchat_session=" + s + "\r\n"));
    } else {
        for (int i = 0; i < n; ++i)
            requests.push_back(stream_request(port, "/events", ""));
    }
    std::vector<int> browsers = open_streams(port, requests);
    // The CO's stream: the console (every chat) for chat-webd; stream 0 for bare.
    int co = browsers[0];
    if (webd)
        co = open_streams(port, {stream_request(port, "/co/events", "X-Remote-User: root\r\n")})[0];

    CURL* curl = curl_easy_init();
    CURLM* multi = curl_multi_init();
    curl_slist* headers = nullptr;
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t m, void*) { return s * m; });
    std::vector<double> to_co;
    std::vector<double> to_reply;
    std::vector<double> cpu_before;
    for (const std::string& pid : watched_pids)
        cpu_before.push_back(cpu_seconds(pid));
    std::string buffer;
    for (int i = 0; i < count; ++i) {
        const size_t chat = static_cast<size_t>(i) % static_cast<size_t>(n);
        const std::string marker = fmt::format("probe-{}-end", i);
        std::string url;
        std::string body;
        curl_slist_free_all(headers);
        headers = nullptr;
        if (webd) {
            url = fmt::format("http://127.0.0.1:{}/chat/send", port);
            body = fmt::format("{{\"text\":\"{}\"}}", marker);
            headers =
                curl_slist_append(headers, ("Cookie: rtchat_session=" + sessions[chat]).c_str());
            headers = curl_slist_append(
                headers,
                ("X-CSRF-Token: " + auth::derive_token("rtchat csrf", sessions[chat])).c_str());
            headers = curl_slist_append(headers, "Content-Type: application/json");
        } else {
            url = fmt::format("http://127.0.0.1:{}/send?n=0&text={}", port, marker);
        }
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_multi_add_handle(multi, curl);
        const auto t0 = Clock::now();
        std::optional<Clock::time_point> seen;
        std::optional<Clock::time_point> replied;
        while (!seen || !replied) {
            int running = 0;
            curl_multi_perform(multi, &running);
            if (!replied && running == 0) {
                int left = 0;
                CURLMsg* done = curl_multi_info_read(multi, &left);
                long status = 0;
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
                if (!done || done->data.result != CURLE_OK || status >= 300)
                    throw std::runtime_error(fmt::format("probe {}: the POST failed", i));
                replied = Clock::now();
            }
            if (!seen) {
                char buf[65536];
                ssize_t got;
                while ((got = recv(co, buf, sizeof buf, MSG_DONTWAIT)) > 0)
                    buffer.append(buf, static_cast<size_t>(got));
                if (got == 0)
                    throw std::runtime_error("the CO's stream closed");
                if (buffer.find(marker) != std::string::npos) {
                    seen = Clock::now();
                    buffer.erase(0, buffer.find(marker) + marker.size());
                }
            }
            if (seen && replied)
                break;
            if (Clock::now() - t0 > std::chrono::seconds(5))
                throw std::runtime_error(fmt::format("probe {} never reached the CO", i));
            curl_waitfd stream{co, static_cast<short>(seen ? 0 : CURL_WAIT_POLLIN), 0};
            curl_multi_poll(multi, &stream, 1, 100, nullptr);
        }
        curl_multi_remove_handle(multi, curl);
        to_co.push_back(std::chrono::duration<double, std::micro>(*seen - t0).count());
        to_reply.push_back(std::chrono::duration<double, std::micro>(*replied - t0).count());
        // Keep the streams of the other browsers drained, as browsers do.
        if (i % 64 == 0)
            for (int fd : browsers) {
                char sink[65536];
                while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
                }
            }
    }
    const char* name = webd ? "chat-webd" : "bare";
    // BENCH_SAMPLES=FILE keeps every probe's two figures, in order, for a
    // look at when the slow ones happen.
    if (const char* file = std::getenv("BENCH_SAMPLES")) {
        std::ofstream out(file);
        for (size_t k = 0; k < to_co.size(); ++k)
            out << k << ' ' << to_co[k] << ' ' << to_reply[k] << '\n';
    }
    for (size_t k = 0; k < watched_pids.size(); ++k)
        fmt::print("{} cpu pid={} us_per_probe={:.0f}\n", name, watched_pids[k],
                   (cpu_seconds(watched_pids[k]) - cpu_before[k]) * 1e6 / count);
    std::sort(to_co.begin(), to_co.end());
    std::sort(to_reply.begin(), to_reply.end());
    fmt::print("{} latency browsers={} probes={} to_co_p50_us={:.0f} to_co_p99_us={:.0f} "
               "to_co_max_us={:.0f} reply_p50_us={:.0f} reply_p99_us={:.0f}\n",
               name, n, count, percentile(to_co, 0.50), percentile(to_co, 0.99), to_co.back(),
               percentile(to_reply, 0.50), percentile(to_reply, 0.99));
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    curl_easy_cleanup(curl);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        fmt::print(
            stderr,
            "usage: webd_bench rss bare|webd PORT PID N [CHATD_SOCKET]\n"
            "       webd_bench latency bare|webd PORT PID N COUNT [CHATD_SOCKET CHATD_PID]\n");
        return 2;
    }
    const std::string what = argv[1];
    const bool webd = std::string(argv[2]) == "webd";
    const int port = std::atoi(argv[3]);
    const int pid = std::atoi(argv[4]);
    const int n = std::atoi(argv[5]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        if (what == "rss")
            measure_rss(webd, port, pid, n, argc > 6 ? argv[6] : "");
        else {
            // CPU time per probe of the server, of chatd when named, and of
            // this client.
            std::vector<std::string> watched{argv[4]};
            if (argc > 8)
                watched.push_back(argv[8]);
            watched.push_back("self");
            measure_latency(webd, port, n, std::atoi(argv[6]), argc > 7 ? argv[7] : "", watched);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "webd_bench: {}\n", e.what());
        return 1;
    }
    return 0;
}
