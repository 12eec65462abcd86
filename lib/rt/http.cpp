#include "rt/http.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

namespace rtchat::rt {
namespace {

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
};

void ensure_curl_global() {
    // curl_global_init is not thread-safe on every build; the first Session
    // is created before any worker thread starts.
    static CurlGlobal global;
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t read_location(char* data, size_t size, size_t count, void* user) {
    std::string_view line(data, size * count);
    constexpr std::string_view name = "location:";
    if (line.size() > name.size()) {
        std::string head(line.substr(0, name.size()));
        for (char& c : head)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (head == name) {
            std::string_view value = line.substr(name.size());
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
                value.remove_suffix(1);
            *static_cast<std::string*>(user) = value;
        }
    }
    return size * count;
}

void lock_share(CURL*, curl_lock_data, curl_lock_access, void* user) {
    static_cast<std::mutex*>(user)->lock();
}
void unlock_share(CURL*, curl_lock_data, void* user) {
    static_cast<std::mutex*>(user)->unlock();
}

} // namespace

Session::Session() {
    ensure_curl_global();
    share_ = curl_share_init();
    if (!share_)
        throw std::bad_alloc();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, lock_share);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, unlock_share);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, &cookie_mutex_);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
}

Session::~Session() {
    curl_share_cleanup(share_);
}

bool Session::signed_in() const {
    std::lock_guard lock(sign_in_mutex_);
    return signed_in_;
}

Http::Http(const System& system, Session& session)
    : system_(system)
    , curl_(curl_easy_init()) {
    if (!curl_)
        throw std::bad_alloc();
    curl_easy_setopt(curl_, CURLOPT_SHARE, session.share());
    curl_easy_setopt(curl_, CURLOPT_COOKIEFILE, ""); // cookies in memory only
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, static_cast<long>(system.timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "rtchat-chat2rt/" RTCHAT_VERSION);
    if (!system.ca_file.empty())
        curl_easy_setopt(curl_, CURLOPT_CAINFO, system.ca_file.c_str());
}

Http::~Http() {
    curl_easy_cleanup(curl_);
}

std::string Http::escape(const std::string& text) {
    char* escaped = curl_easy_escape(curl_, text.data(), static_cast<int>(text.size()));
    if (!escaped)
        throw std::bad_alloc();
    std::string out(escaped);
    curl_free(escaped);
    return out;
}

Response Http::get(const std::string& url) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    return perform("GET", url, true, {});
}

Response Http::post(const std::string& url, const std::string& content_type,
                    const std::string& body) {
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return perform("POST", url, false, {"Content-Type: " + content_type});
}

Response Http::post_form(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields)
        body += (body.empty() ? "" : "&") + escape(name) + "=" + escape(value);
    return post(url, "application/x-www-form-urlencoded", body);
}

Response Http::post_multipart(const std::string& url, const std::vector<FormPart>& parts) {
    curl_mime* mime = curl_mime_init(curl_);
    for (const FormPart& p : parts) {
        curl_mimepart* part = curl_mime_addpart(mime);
        curl_mime_name(part, p.name.c_str());
        curl_mime_data(part, p.data.data(), p.data.size());
        if (!p.filename.empty())
            curl_mime_filename(part, p.filename.c_str());
        if (!p.type.empty())
            curl_mime_type(part, p.type.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_MIMEPOST, mime);
    try {
        Response r = perform("POST", url, false, {});
        curl_easy_setopt(curl_, CURLOPT_MIMEPOST, nullptr);
        curl_mime_free(mime);
        return r;
    } catch (...) {
        curl_easy_setopt(curl_, CURLOPT_MIMEPOST, nullptr);
        curl_mime_free(mime);
        throw;
    }
}

Response Http::perform(const std::string& method, const std::string& url, bool resending_is_safe,
                       std::vector<std::string> headers) {
    Response r;
    curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
    curl_easy_setopt(curl_, CURLOPT_USERNAME, nullptr);
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, nullptr);
    if (send_credentials_) {
        switch (system_.auth) {
        case Auth::negotiate:
            // The ticket comes from the credential cache kerberos.cpp filled.
            curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_NEGOTIATE);
            curl_easy_setopt(curl_, CURLOPT_USERPWD, ":");
            break;
        case Auth::basic:
            curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(curl_, CURLOPT_USERNAME, system_.user.c_str());
            curl_easy_setopt(curl_, CURLOPT_PASSWORD, system_.password.c_str());
            break;
        case Auth::token:
            break;
        }
    }
    if (send_credentials_ && system_.auth == Auth::token)
        headers.push_back("Authorization: token " + system_.token);
    // RT 5 refuses a REST2 POST that comes with its session cookie unless
    // the request names RT itself as its origin (RestrictReferrer, its CSRF
    // check); the cookie is there once signed in (rest2.cpp sign_in).
    headers.push_back("Referer: " + system_.url + "/");
    // No "Expect: 100-continue" wait before a large transcript.
    headers.emplace_back("Expect:");
    curl_slist* header_list = nullptr;
    for (const std::string& h : headers)
        header_list = curl_slist_append(header_list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, read_location);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.location);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(header_list);
    if (rc != CURLE_OK) {
        const std::string what = fmt::format("{} {}: {}", method, url,
                                             *error ? std::string(error) : curl_easy_strerror(rc));
        curl_off_t connected = 0;
        curl_easy_getinfo(curl_, CURLINFO_CONNECT_TIME_T, &connected);
        const bool never_connected =
            rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
            rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
            rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
            (rc == CURLE_OPERATION_TIMEDOUT && connected == 0);
        throw Failure(never_connected || resending_is_safe ? FailureKind::transient
                                                           : FailureKind::ambiguous,
                      what);
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

} // namespace rtchat::rt
