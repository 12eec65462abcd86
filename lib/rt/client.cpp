#include "rt/client.hpp"

#include "rt/mail.hpp"
#include "rt/rest1.hpp"
#include "rt/rest2.hpp"

#include <algorithm>
#include <cctype>

namespace rtchat::rt {

bool same_user(const std::string& a, const std::string& b) {
    return !a.empty() && a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::unique_ptr<Client> make_client(const System& system, Session& session) {
    switch (system.backend) {
    case Backend::rest2:
        return make_rest2_client(system, session);
    case Backend::rest1:
        return make_rest1_client(system, session);
    case Backend::mail:
        return make_mail_client(system, session);
    case Backend::spool:
        break;
    }
    throw std::logic_error("the spool backend has no RT client");
}

} // namespace rtchat::rt
