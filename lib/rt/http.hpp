#pragma once
// A small HTTP client over libcurl for RT's APIs: one easy handle per
// thread, cookies shared through a Session so that one sign-in serves a
// whole run, and curl's errors turned into rt::Failure of the right kind.

#include "rt/failure.hpp"
#include "rt/system.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

typedef void CURL;
typedef void CURLSH;

namespace rtchat::rt {

struct Response {
    long status = 0;
    std::string body;
    std::string location; ///< the Location header, if any
};

struct FormPart {
    std::string name;
    std::string data;
    std::string filename; ///< makes the part a file upload when not empty
    std::string type;     ///< its Content-Type when a file
};

/// What handles of one RT system share during a run: the cookie jar (so a
/// sign-in happens once) and who signed in.
class Session {
public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    CURLSH* share() const { return share_; }
    /// Runs `sign_in` once per session, whichever thread asks first; the
    /// others wait. A failed sign-in is tried again by the next caller.
    template <typename F> void sign_in_once(F&& sign_in) {
        std::lock_guard lock(sign_in_mutex_);
        if (signed_in_)
            return;
        sign_in();
        signed_in_ = true;
    }
    bool signed_in() const;

private:
    CURLSH* share_;
    mutable std::mutex sign_in_mutex_;
    bool signed_in_ = false;
    std::mutex cookie_mutex_;
    friend struct SessionLock;
};

class Http {
public:
    Http(const System& system, Session& session);
    ~Http();
    Http(const Http&) = delete;
    Http& operator=(const Http&) = delete;

    /// Whether requests carry the system's credentials (basic password or
    /// token, or a Kerberos ticket); off once a session cookie stands in
    /// for them, because RT spends a third of a second checking each.
    void send_credentials(bool on) { send_credentials_ = on; }

    Response get(const std::string& url);
    Response post(const std::string& url, const std::string& content_type, const std::string& body);
    Response post_form(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& fields);
    Response post_multipart(const std::string& url, const std::vector<FormPart>& parts);

    /// application/x-www-form-urlencoded escaping of one value.
    std::string escape(const std::string& text);

private:
    Response perform(const std::string& method, const std::string& url, bool resending_is_safe,
                     std::vector<std::string> headers);

    const System& system_;
    CURL* curl_;
    bool send_credentials_ = true;
};

} // namespace rtchat::rt
