#include "rt/rest1.hpp"

#include "rt/rest_status.hpp"

#include <fmt/format.h>
#include <map>

namespace rtchat::rt {
namespace {

// "Key: value" lines of a REST 1.0 answer; continuation lines are folded in.
std::map<std::string, std::string> fields_of(const std::string& text) {
    std::map<std::string, std::string> fields;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end == std::string::npos ? end : end - start);
        const size_t colon = line.find(": ");
        if (colon != std::string::npos && line[0] != ' ' && line[0] != '#')
            fields[line.substr(0, colon)] = line.substr(colon + 2);
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return fields;
}

class Rest1Client : public Client {
public:
    Rest1Client(const System& system, Session& session)
        : system_(system)
        , session_(session)
        , http_(system, session)
        , api_(system.url + "/REST/1.0") {
        sign_in();
    }

    TicketLookup ticket(int64_t id) override {
        const std::string what = fmt::format("reading ticket {}", id);
        const Rest1Answer a = get(fmt::format("{}/ticket/{}/show", api_, id), what);
        if (a.text.starts_with("# "))
            // "# Ticket 9 does not exist.", or a refusal: nothing to deliver to.
            return {std::nullopt, fmt::format("ticket {}: {}", id, first_line(a.text.substr(2)))};
        auto fields = fields_of(a.text);
        Ticket t;
        t.id = id;
        t.queue = fields["Queue"];
        t.status = fields["Status"];
        t.subject = fields["Subject"];
        for (const std::string& address : config::split_list(fields["Requestors"]))
            t.requestors.push_back(person(address));
        if (t.status == "deleted")
            return {std::nullopt, fmt::format("ticket {} is deleted", id)};
        return {t, ""};
    }

    void add_to_ticket(int64_t id, const Document& doc, Action action) override {
        const std::string verb = action == Action::comment ? "comment" : "correspond";
        std::string content =
            fmt::format("id: {}\nAction: {}\n", id, verb) + rest1_field("Text", doc.body);
        std::vector<FormPart> parts;
        if (!doc.log.empty()) {
            content += "Attachment: " + doc.log_filename + "\n";
            parts.push_back(
                {"attachment_1", doc.log, doc.log_filename, "text/plain; charset=UTF-8"});
        }
        parts.insert(parts.begin(), FormPart{"content", content, "", ""});
        update(id, std::move(parts), fmt::format("adding the transcript to ticket {}", id));
    }

    void correspond(int64_t id, const std::string& subject, const std::string& text) override {
        std::string content = fmt::format("id: {}\nAction: correspond\n", id) +
                              rest1_field("Subject", subject) + rest1_field("Text", text);
        update(id, {{"content", content, "", ""}},
               fmt::format("writing to the requestors of ticket {}", id));
    }

    int64_t create_ticket(const std::string& queue, const Document& doc,
                          bool with_requestor) override {
        // REST 1.0 takes no attachment when it opens a ticket: the log goes
        // in quoted, for RT to fold.
        std::string content =
            "id: ticket/new\n" + rest1_field("Queue", queue) + rest1_field("Subject", doc.subject);
        if (with_requestor && !doc.requestor.empty())
            content += rest1_field("Requestor", doc.requestor);
        content += rest1_field("Text", doc.folded_body);
        const std::string what = fmt::format("opening a ticket in queue {}", queue);
        std::vector<FormPart> parts{{"content", content, "", ""}};
        add_credentials(parts);
        Response r = http_.post_multipart(api_ + "/ticket/new", parts);
        const Rest1Answer a = answer(r, what, true);
        const std::string created = "# Ticket ";
        const size_t at = a.text.find(created);
        if (at == std::string::npos || a.text.find(" created", at) == std::string::npos)
            throw Failure(FailureKind::permanent,
                          fmt::format("{}: RT refused it: {}", what, first_line(a.text)));
        return std::stoll(a.text.substr(at + created.size()));
    }

    std::optional<int64_t> find_transcript(const Document& doc,
                                           std::optional<int64_t> ticket) override {
        std::vector<int64_t> candidates;
        if (ticket)
            candidates.push_back(*ticket);
        const std::string query = fmt::format("Subject LIKE '(chat #{})'", doc.chat_id);
        const Rest1Answer found =
            get(fmt::format("{}/search/ticket?format=i&query={}", api_, http_.escape(query)),
                "searching for the transcript's ticket");
        for (size_t at = found.text.find("ticket/"); at != std::string::npos;
             at = found.text.find("ticket/", at + 1))
            candidates.push_back(std::stoll(found.text.substr(at + 7)));
        for (int64_t id : candidates) {
            const Rest1Answer history =
                get(fmt::format("{}/ticket/{}/history?format=l", api_, id), "reading history");
            if (history.text.find(doc.marker) != std::string::npos)
                return id;
        }
        return std::nullopt;
    }

private:
    // A comment or correspondence on ticket `id` (REST 1.0 takes both at
    // /comment, told apart by Action:).
    void update(int64_t id, std::vector<FormPart> parts, const std::string& what) {
        add_credentials(parts);
        Response r = http_.post_multipart(fmt::format("{}/ticket/{}/comment", api_, id), parts);
        const Rest1Answer a = answer(r, what, true);
        // "# Comments added", "# Correspondence added" or "# Message recorded";
        // anything else is RT explaining why not.
        if (a.text.find(" added") == std::string::npos &&
            a.text.find("Message recorded") == std::string::npos)
            throw Failure(FailureKind::permanent,
                          fmt::format("{}: RT refused it: {}", what, first_line(a.text)));
    }

    // REST 1.0 lists requestors by address; their user record has the rest.
    Person person(const std::string& address) {
        Person p{address, address.find('@') == std::string::npos ? "" : address, ""};
        const Rest1Answer a =
            get(fmt::format("{}/user/{}", api_, http_.escape(address)), "reading a requestor");
        if (a.text.starts_with("# "))
            return p;
        auto fields = fields_of(a.text);
        if (!fields["Name"].empty())
            p.name = fields["Name"];
        if (!fields["EmailAddress"].empty())
            p.email = fields["EmailAddress"];
        p.real_name = fields["RealName"];
        return p;
    }

    static std::string first_line(const std::string& text) {
        std::string line = text.substr(0, text.find('\n'));
        return line.size() > 200 ? line.substr(0, 200) + "..." : line;
    }

    void sign_in() {
        if (system_.auth == Auth::negotiate)
            return;
        session_.sign_in_once([&] {
            // One password (or token) check per run instead of one per request.
            http_.send_credentials(system_.auth == Auth::token);
            Response r = system_.auth == Auth::basic
                             ? http_.post_form(system_.url + "/NoAuth/Login.html",
                                               {{"user", system_.user}, {"pass", system_.password}})
                             : http_.get(system_.url + "/");
            check_status(r, "signing in to RT", false);
        });
        http_.send_credentials(false);
        form_credentials_ = false;
        const Response check = http_.get(api_ + "/ticket/1/show");
        if (check.status != 200 || parse_rest1(check.body).status == 401) {
            http_.send_credentials(true);
            form_credentials_ = system_.auth == Auth::basic;
        }
    }

    void add_credentials(std::vector<FormPart>& parts) {
        if (form_credentials_) {
            parts.push_back({"user", system_.user, "", ""});
            parts.push_back({"pass", system_.password, "", ""});
        }
    }

    Rest1Answer get(const std::string& url, const std::string& what) {
        std::string full = url;
        if (form_credentials_)
            full += fmt::format("{}user={}&pass={}", url.find('?') == std::string::npos ? '?' : '&',
                                http_.escape(system_.user), http_.escape(system_.password));
        return answer(http_.get(full), what, false);
    }

    // REST 1.0 answers 200 even when it failed: the status is in the body.
    Rest1Answer answer(const Response& r, const std::string& what, bool posted) {
        check_status(r, what, posted);
        Rest1Answer a = parse_rest1(r.body);
        if (a.status == 0)
            throw Failure(
                posted ? FailureKind::ambiguous : FailureKind::transient,
                fmt::format("{}: RT's answer is not REST 1.0: {}", what, first_line(r.body)));
        Response as_http{a.status, a.text, ""};
        check_status(as_http, what, posted);
        return a;
    }

    const System& system_;
    Session& session_;
    Http http_;
    std::string api_;
    bool form_credentials_ = false;
};

} // namespace

std::unique_ptr<Client> make_rest1_client(const System& system, Session& session) {
    return std::make_unique<Rest1Client>(system, session);
}

Rest1Answer parse_rest1(const std::string& body) {
    Rest1Answer a;
    if (!body.starts_with("RT/"))
        return a;
    const size_t space = body.find(' ');
    const size_t nl = body.find('\n');
    if (space == std::string::npos || space > nl)
        return a;
    try {
        a.status = std::stoi(body.substr(space + 1));
    } catch (const std::exception&) {
        return a;
    }
    size_t rest = nl == std::string::npos ? body.size() : nl + 1;
    while (rest < body.size() && body[rest] == '\n')
        ++rest;
    a.text = body.substr(rest);
    return a;
}

std::string rest1_field(const std::string& key, const std::string& value) {
    std::string out = key + ": ";
    for (char c : value) {
        out += c;
        if (c == '\n')
            out += ' ';
    }
    return out + "\n";
}

} // namespace rtchat::rt
