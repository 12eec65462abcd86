#include "rt/rest2.hpp"

#include "encoding/base64.hpp"
#include "rt/rest_status.hpp"

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

namespace rtchat::rt {
namespace {

using json = nlohmann::json;

class Rest2Client : public Client {
public:
    Rest2Client(const System& system, Session& session)
        : system_(system)
        , session_(session)
        , http_(system, session)
        , api_(system.url + "/REST/2.0") {
        sign_in();
    }

    TicketLookup ticket(int64_t id) override {
        const std::string what = fmt::format("reading ticket {}", id);
        Response r = get(fmt::format("{}/ticket/{}", api_, id));
        if (r.status == 404)
            return {std::nullopt,
                    fmt::format("ticket {} does not exist in RT {}", id, system_.name)};
        if (r.status == 403)
            return {std::nullopt, fmt::format("chat2rt may not see ticket {}", id)};
        check_status(r, what, false);
        const json t = parse(r, what);
        Ticket ticket;
        ticket.id = id;
        ticket.status = t.value("Status", "");
        ticket.subject = t.value("Subject", "");
        if (ticket.status == "deleted")
            return {std::nullopt, fmt::format("ticket {} is deleted", id)};
        if (t.contains("Queue") && t["Queue"].is_object())
            ticket.queue = queue_name(t["Queue"].value("id", ""));
        if (t.contains("Requestor") && t["Requestor"].is_array())
            for (const json& who : t["Requestor"])
                ticket.requestors.push_back(person(who.value("id", "")));
        return {ticket, ""};
    }

    void add_to_ticket(int64_t id, const Document& doc, Action action) override {
        json body = content(doc);
        const std::string verb = action == Action::comment ? "comment" : "correspond";
        Response r = post(fmt::format("{}/ticket/{}/{}", api_, id, verb), body.dump());
        check_status(r, fmt::format("adding the transcript to ticket {}", id), true);
    }

    void correspond(int64_t id, const std::string& subject, const std::string& text) override {
        const json body{{"Subject", subject}, {"Content", text}, {"ContentType", "text/plain"}};
        Response r = post(fmt::format("{}/ticket/{}/correspond", api_, id), body.dump());
        check_status(r, fmt::format("writing to the requestors of ticket {}", id), true);
    }

    int64_t create_ticket(const std::string& queue, const Document& doc,
                          bool with_requestor) override {
        json body = content(doc);
        body["Queue"] = queue;
        body["Subject"] = doc.subject;
        if (with_requestor && !doc.requestor.empty())
            body["Requestor"] = doc.requestor;
        const std::string what = fmt::format("opening a ticket in queue {}", queue);
        Response r = post(api_ + "/ticket", body.dump());
        check_status(r, what, true);
        const json created = parse(r, what);
        const std::string id = created.value("id", "");
        try {
            return std::stoll(id);
        } catch (const std::exception&) {
            // RT made something; what, it did not say: look before retrying.
            throw Failure(FailureKind::ambiguous, what + ": RT's answer has no ticket number");
        }
    }

    std::optional<int64_t> find_transcript(const Document& doc,
                                           std::optional<int64_t> ticket) override {
        std::vector<int64_t> candidates;
        if (ticket)
            candidates.push_back(*ticket);
        const std::string query = fmt::format("Subject LIKE '(chat #{})'", doc.chat_id);
        Response r =
            get(fmt::format("{}/tickets?per_page=100&query={}", api_, http_.escape(query)));
        check_status(r, "searching for the transcript's ticket", false);
        for (const json& item : parse(r, "searching").value("items", json::array()))
            if (item.contains("id"))
                candidates.push_back(std::stoll(item["id"].is_string()
                                                    ? item["id"].get<std::string>()
                                                    : std::to_string(item["id"].get<int64_t>())));
        for (int64_t id : candidates)
            if (holds_marker(id, doc.marker))
                return id;
        return std::nullopt;
    }

private:
    void sign_in() {
        session_.sign_in_once([&] {
            // A session cookie costs RT about 25 ms per request, a password
            // or token check about 300 ms: sign in once per run. With
            // Kerberos, RT 5.0's REST2 ignores the user Apache signed in,
            // but its REST 1.0 pages honour it and open a session REST2
            // accepts.
            Response r = system_.auth == Auth::basic ? post_login()
                         : system_.auth == Auth::token
                             ? http_.get(system_.url + "/") // the token opens a web session
                             : http_.get(system_.url + "/REST/1.0/");
            check_status(r, "signing in to RT", false);
        });
        // Apache in front asks for a Kerberos ticket on every request.
        http_.send_credentials(system_.auth == Auth::negotiate);
        Response check = http_.get(api_ + "/rt");
        if (check.status != 200)
            http_.send_credentials(true); // no session: credentials on every request
    }

    Response post_login() {
        http_.send_credentials(false);
        return http_.post_form(system_.url + "/NoAuth/Login.html",
                               {{"user", system_.user}, {"pass", system_.password}});
    }

    Response get(const std::string& url) {
        Response r = http_.get(url);
        if (r.status == 401 || (r.status >= 300 && r.status < 400)) {
            http_.send_credentials(true); // the session ended: sign in the slow way
            r = http_.get(url);
        }
        return r;
    }

    Response post(const std::string& url, const std::string& body) {
        Response r = http_.post(url, "application/json; charset=utf-8", body);
        if (r.status == 401 || (r.status >= 300 && r.status < 400)) {
            // Refused before RT did anything: sending again is safe.
            http_.send_credentials(true);
            r = http_.post(url, "application/json; charset=utf-8", body);
        }
        return r;
    }

    static json parse(const Response& r, const std::string& what) {
        try {
            return json::parse(r.body);
        } catch (const json::exception&) {
            throw Failure(FailureKind::transient, what + ": RT's answer is not JSON");
        }
    }

    json content(const Document& doc) {
        json body{{"Subject", doc.subject}, {"Content", doc.body}, {"ContentType", "text/plain"}};
        if (!doc.log.empty())
            body["Attachments"] = json::array({{{"FileName", doc.log_filename},
                                                {"FileType", "text/plain; charset=UTF-8"},
                                                {"FileContent", encoding::base64(doc.log)}}});
        return body;
    }

    std::string queue_name(const std::string& id) {
        auto it = queue_names_.find(id);
        if (it != queue_names_.end())
            return it->second;
        Response r = get(fmt::format("{}/queue/{}", api_, id));
        check_status(r, "reading queue " + id, false);
        return queue_names_[id] = parse(r, "reading queue").value("Name", "");
    }

    Person person(const std::string& user) {
        Person p{user, user.find('@') == std::string::npos ? "" : user, ""};
        Response r = get(fmt::format("{}/user/{}", api_, http_.escape(user)));
        if (r.status != 200)
            return p; // the name alone still identifies them
        const json u = parse(r, "reading user");
        auto text = [&](const char* key) {
            return u.contains(key) && u[key].is_string() ? u[key].get<std::string>() : "";
        };
        if (!text("EmailAddress").empty())
            p.email = text("EmailAddress");
        p.real_name = text("RealName");
        return p;
    }

    bool holds_marker(int64_t ticket, const std::string& marker) {
        for (int page = 1;; ++page) {
            Response r = get(fmt::format(
                "{}/ticket/{}/attachments?fields=Content&per_page=50&page={}", api_, ticket, page));
            if (r.status == 404)
                return false;
            check_status(r, fmt::format("reading ticket {}'s history", ticket), false);
            const json list = parse(r, "reading history");
            for (const json& item : list.value("items", json::array()))
                if (item.contains("Content") && item["Content"].is_string() &&
                    item["Content"].get<std::string>().find(marker) != std::string::npos)
                    return true;
            // RT gives "pages": null when it did not count them; then a
            // short page is the last.
            const json& pages = list.contains("pages") ? list["pages"] : json();
            const size_t items = list.value("items", json::array()).size();
            if (pages.is_number() ? page >= pages.get<int>() : items < 50)
                return false;
        }
    }

    const System& system_;
    Session& session_;
    Http http_;
    std::string api_;
    std::map<std::string, std::string> queue_names_;
};

} // namespace

std::unique_ptr<Client> make_rest2_client(const System& system, Session& session) {
    return std::make_unique<Rest2Client>(system, session);
}

} // namespace rtchat::rt
