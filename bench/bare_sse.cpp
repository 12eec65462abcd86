// The floor for chat-webd's figures: a bare libmicrohttpd event-stream server
// with the same per-connection memory pool and loop (MHD_USE_EPOLL, our own
// epoll_wait, suspend when idle). GET /events holds a stream open;
// POST /send?n=K writes one event to stream K (or to all with n=-1).
//   bare_sse PORT

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <microhttpd.h>
#include <string>
#include <sys/epoll.h>
#include <vector>

namespace {

struct Stream {
    MHD_Connection* conn = nullptr;
    std::string pending;
    bool suspended = false;
    bool open = true;
};

std::vector<Stream*> streams;
bool resumed = false;

ssize_t reader(void* cls, uint64_t, char* buf, size_t max) {
    auto* s = static_cast<Stream*>(cls);
    if (s->pending.empty()) {
        MHD_suspend_connection(s->conn);
        s->suspended = true;
        return 0;
    }
    const size_t n = std::min(max, s->pending.size());
    std::memcpy(buf, s->pending.data(), n);
    s->pending.erase(0, n);
    return static_cast<ssize_t>(n);
}

void release(void* cls) {
    auto* s = static_cast<Stream*>(cls);
    s->open = false;
    s->conn = nullptr;
}

void deliver(Stream* s, const std::string& event) {
    if (!s->open)
        return;
    s->pending += event;
    if (s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
        resumed = true;
    }
}

MHD_Result handle(void*, MHD_Connection* conn, const char* url, const char* method, const char*,
                  const char*, size_t* upload_size, void** con_cls) {
    if (!*con_cls) {
        *con_cls = conn; // answer on the second call, as chat-webd does
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (std::strcmp(url, "/events") == 0) {
        auto* s = new Stream;
        s->conn = conn;
        s->pending = "retry: 2000\n\n";
        streams.push_back(s);
        MHD_Response* r =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, reader, s, release);
        MHD_add_response_header(r, "Content-Type", "text/event-stream");
        MHD_Result ok = MHD_queue_response(conn, 200, r);
        MHD_destroy_response(r);
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 0U);
        return ok;
    }
    if (std::strcmp(method, "POST") == 0 && std::strcmp(url, "/send") == 0) {
        const char* n = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n");
        const char* text = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "text");
        const std::string event = std::string("data: ") + (text ? text : "x") + "\n\n";
        const long k = n ? std::strtol(n, nullptr, 10) : -1;
        if (k < 0)
            for (Stream* s : streams)
                deliver(s, event);
        else if (static_cast<size_t>(k) < streams.size())
            deliver(streams[static_cast<size_t>(k)], event);
        MHD_Response* r = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
        MHD_Result ok = MHD_queue_response(conn, 204, r);
        MHD_destroy_response(r);
        return ok;
    }
    MHD_Response* r = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
    MHD_Result ok = MHD_queue_response(conn, 404, r);
    MHD_destroy_response(r);
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 3) {
        std::fprintf(stderr, "usage: bare_sse PORT [CONNECTION_MEMORY]\n");
        return 2;
    }
    const size_t pool = argc == 3 ? std::strtoul(argv[2], nullptr, 10) : 8192;
    MHD_Daemon* d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, static_cast<uint16_t>(std::atoi(argv[1])),
        nullptr, nullptr, &handle, nullptr, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_CONNECTION_LIMIT, 20000U, MHD_OPTION_CONNECTION_TIMEOUT, 60U,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096U, MHD_OPTION_END);
    if (!d)
        return 1;
    const int mhd_fd = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
    const int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_ADD, mhd_fd, &ev);
    for (;;) {
        MHD_UNSIGNED_LONG_LONG timeout = 0;
        int wait = -1;
        if (MHD_get_timeout(d, &timeout) == MHD_YES)
            wait = static_cast<int>(std::min<MHD_UNSIGNED_LONG_LONG>(timeout, 60000));
        epoll_event out{};
        epoll_wait(ep, &out, 1, resumed ? 0 : wait);
        do {
            resumed = false;
            MHD_run(d);
        } while (resumed);
    }
}
