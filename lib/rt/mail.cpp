#include "rt/mail.hpp"

#include "rt/rest1.hpp"
#include "timefmt/local_time.hpp"
#include "transcript/transcript.hpp"

#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>

namespace rtchat::rt {
namespace {

struct Upload {
    const std::string& data;
    size_t sent = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const size_t n = std::min(size * count, up->data.size() - up->sent);
    std::memcpy(buffer, up->data.data() + up->sent, n);
    up->sent += n;
    return n;
}

void send_message(const System& system, const std::string& to, const std::string& subject,
                  const std::string& unaddressed, const char* what_for) {
    const std::string message = addressed_message(unaddressed, to, subject);
    CURL* curl = curl_easy_init();
    if (!curl)
        throw std::bad_alloc();
    struct Cleanup {
        CURL* curl;
        curl_slist* rcpt = nullptr;
        ~Cleanup() {
            curl_slist_free_all(rcpt);
            curl_easy_cleanup(curl);
        }
    } cleanup{curl};
    Upload upload{message};
    cleanup.rcpt = curl_slist_append(nullptr, to.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, system.smtp_url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, system.from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, cleanup.rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(system.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (!system.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, system.ca_file.c_str());
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        return;
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    const std::string what =
        fmt::format("mailing {} to {} through {}: {}{}", what_for, to, system.smtp_url,
                    *error ? std::string(error) : curl_easy_strerror(rc),
                    code ? fmt::format(" (SMTP {})", code) : "");
    // A 5xx is the server's (or RT's, through it) final no; a 4xx asks
    // to come back later. No answer after the message went out: it may
    // be on its way.
    if (code >= 500)
        throw Failure(FailureKind::permanent, what);
    const bool message_sent = upload.sent == message.size();
    throw Failure(code >= 400 || !message_sent ? FailureKind::transient : FailureKind::ambiguous,
                  what);
}

std::string crlf(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n')
            out += '\r';
        out += c;
    }
    return out;
}

class MailClient : public Client {
public:
    MailClient(const System& system, Session& session)
        : system_(system) {
        if (system.has_api())
            api_ = make_rest1_client(system, session);
    }

    TicketLookup ticket(int64_t id) override {
        if (api_)
            return api_->ticket(id);
        // Nothing to check with: RT's mail gateway refuses unknown tickets,
        // but neither queues nor requestors are checked. Documented.
        Ticket t;
        t.id = id;
        return {t, ""};
    }

    void add_to_ticket(int64_t id, const Document& doc, Action action) override {
        const std::string tag = fmt::format("[{} #{}] ", system_.rtname, id);
        const std::string subject =
            doc.subject.find(tag) == std::string::npos ? tag + doc.subject : doc.subject;
        send(action == Action::comment ? system_.comment_address : system_.correspond_address,
             subject, doc);
    }

    void correspond(int64_t id, const std::string& subject, const std::string& text) override {
        if (system_.correspond_address.empty())
            throw Failure(FailureKind::permanent,
                          fmt::format("[rt.{}] correspond_address is not set: nothing to send a "
                                      "reply on ticket {} to",
                                      system_.name, id));
        const std::string message = "From: " + system_.from +
                                    "\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
                                    "Content-Type: text/plain; charset=utf-8\r\n"
                                    "Content-Transfer-Encoding: 8bit\r\n\r\n" +
                                    crlf(text);
        send_message(system_, system_.correspond_address,
                     fmt::format("[{} #{}] {}", system_.rtname, id, subject), message, "a reply");
    }

    int64_t create_ticket(const std::string&, const Document& doc, bool with_requestor) override {
        // The queue's own address opens the ticket (a flagged transcript's
        // is the fallback address); RT takes the sender (From:) as its
        // requestor, as for any mail.
        send(with_requestor ? system_.queue_address : system_.fallback_address, doc.subject, doc);
        return 0;
    }

    std::optional<int64_t> find_transcript(const Document& doc,
                                           std::optional<int64_t> ticket) override {
        if (!api_)
            return std::nullopt;
        return api_->find_transcript(doc, ticket);
    }

    bool can_look() const override { return api_ != nullptr; }

private:
    void send(const std::string& to, const std::string& subject, const Document& doc) {
        send_message(system_, to, subject, doc.message, "the transcript");
    }

    const System& system_;
    std::unique_ptr<Client> api_;
};

} // namespace

std::unique_ptr<Client> make_mail_client(const System& system, Session& session) {
    return std::make_unique<MailClient>(system, session);
}

void send_plain_mail(const System& system, const std::string& to, const std::string& subject,
                     const std::string& text, int64_t now_ms) {
    const std::string message = "From: " + system.from + "\r\nSubject: x\r\nDate: " +
                                timefmt::local_time(now_ms, "%a, %d %b %Y %H:%M:%S %z") +
                                "\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 8bit\r\n\r\n" +
                                crlf(text);
    send_message(system, to, subject, message, "the chat link");
}

std::string addressed_message(const std::string& message, const std::string& to,
                              const std::string& subject) {
    // The rendered message starts with From: and carries a Subject: line;
    // the To: and the final subject depend on where it goes.
    std::string out = "To: " + to + "\r\n";
    size_t start = 0;
    bool in_subject = false;
    while (start < message.size()) {
        size_t end = message.find("\r\n", start);
        if (end == std::string::npos)
            end = message.size();
        const std::string_view line(message.data() + start, end - start);
        if (line.empty()) { // end of the header: the body goes as it is
            out.append(message, start, std::string::npos);
            return out;
        }
        if (line.starts_with("Subject:")) {
            out += "Subject: " + transcript::encode_header(subject) + "\r\n";
            in_subject = true;
        } else if (!(in_subject && (line[0] == ' ' || line[0] == '\t'))) {
            in_subject = false;
            out.append(line);
            out += "\r\n";
        }
        start = end + 2;
    }
    return out;
}

} // namespace rtchat::rt
