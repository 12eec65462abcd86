#include "rt/kerberos.hpp"

#include "rt/failure.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <krb5/krb5.h>

namespace rtchat::rt {
namespace {

constexpr const char* cache_name = "MEMORY:rtchat-chat2rt";

class Context {
public:
    Context() {
        if (krb5_error_code rc = krb5_init_context(&ctx_))
            throw Failure(FailureKind::transient,
                          fmt::format("Kerberos: cannot start libkrb5 (error {})", rc));
    }
    ~Context() { krb5_free_context(ctx_); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    krb5_context get() const { return ctx_; }

    [[noreturn]] void fail(krb5_error_code rc, const std::string& what) const {
        const char* message = krb5_get_error_message(ctx_, rc);
        const std::string text = fmt::format("Kerberos: {}: {}", what, message);
        krb5_free_error_message(ctx_, message);
        throw Failure(FailureKind::transient, text);
    }

private:
    krb5_context ctx_ = nullptr;
};

} // namespace

void acquire_kerberos_credentials(const std::string& keytab, const std::string& principal) {
    // A memory cache lives as long as the process holds a handle on it, so
    // the context and the cache are kept until exit.
    static Context ctx;
    krb5_context kc = ctx.get();
    krb5_principal me = nullptr;
    if (krb5_error_code rc = krb5_parse_name(kc, principal.c_str(), &me))
        ctx.fail(rc, "principal " + principal);
    struct Owned {
        krb5_context kc;
        krb5_principal me;
        krb5_keytab kt = nullptr;
        krb5_get_init_creds_opt* opt = nullptr;
        ~Owned() {
            if (opt)
                krb5_get_init_creds_opt_free(kc, opt);
            if (kt)
                krb5_kt_close(kc, kt);
            krb5_free_principal(kc, me);
        }
    } owned{kc, me};
    if (krb5_error_code rc = krb5_kt_resolve(kc, ("FILE:" + keytab).c_str(), &owned.kt))
        ctx.fail(rc, "keytab " + keytab);
    if (krb5_error_code rc = krb5_get_init_creds_opt_alloc(kc, &owned.opt))
        ctx.fail(rc, "options");
    krb5_creds creds{};
    if (krb5_error_code rc =
            krb5_get_init_creds_keytab(kc, &creds, me, owned.kt, 0, nullptr, owned.opt))
        ctx.fail(rc, fmt::format("getting a ticket for {} from {}", principal, keytab));
    static krb5_ccache cache = nullptr;
    krb5_error_code rc = cache ? 0 : krb5_cc_resolve(kc, cache_name, &cache);
    if (!rc)
        rc = krb5_cc_initialize(kc, cache, me);
    if (!rc)
        rc = krb5_cc_store_cred(kc, cache, &creds);
    krb5_free_cred_contents(kc, &creds);
    if (rc)
        ctx.fail(rc, "storing the ticket");
    setenv("KRB5CCNAME", cache_name, 1);
}

} // namespace rtchat::rt
