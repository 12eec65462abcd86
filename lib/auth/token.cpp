#include "auth/token.hpp"

#include "encoding/base64.hpp"

#include <array>
#include <cerrno>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdexcept>
#include <string.h>
#include <sys/random.h>

namespace rtchat::auth {
namespace {

constexpr size_t token_bytes = 32;
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

MintedToken mint_token() {
    std::array<unsigned char, token_bytes> raw{};
    size_t got = 0;
    while (got < raw.size()) {
        ssize_t n = getrandom(raw.data() + got, raw.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error(std::string("getrandom: ") + strerror(errno));
        }
        got += static_cast<size_t>(n);
    }
    MintedToken t;
    t.token = encoding::base64url(
        std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    t.hash = hash_token(t.token);
    return t;
}

std::string hash_token(std::string_view token) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
    return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string derive_token(std::string_view purpose, std::string_view secret) {
    std::string input(purpose);
    input += '\0';
    input += secret;
    const std::string digest = hash_token(input);
    return encoding::base64url(digest);
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool looks_like_token(std::string_view token) {
    return token.size() == (token_bytes * 4 + 2) / 3 &&
           token.find_first_not_of(alphabet) == std::string_view::npos;
}

} // namespace rtchat::auth
