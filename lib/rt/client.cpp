#include "rt/client.hpp"

#include "rt/mail.hpp"
#include "rt/rest1.hpp"
#include "rt/rest2.hpp"

namespace rtchat::rt {

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
