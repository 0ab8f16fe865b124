/*
 * Service-client credentials. A client id is "lkc_" and 22 base64url characters (16
 * random bytes); a secret is "lks_" and 43 base64url characters (32 random bytes). The
 * prefixes let secret scanners and operators tell the two apart.
 *
 * Only a hash of the secret is stored: "hmac-sha256$" and the hex HMAC-SHA256 of the
 * secret keyed with the client id. A fast hash is enough because the secret carries 256
 * bits of entropy, so no guessing attack on a leaked hash can succeed. Keying with the
 * client id ties each hash to its row. No server-wide pepper is used, so rotating the
 * master key or any other server secret never invalidates client secrets.
 * Pure functions, safe on any thread.
 */
#ifndef LK_CRYPTO_CLIENT_SECRET_H
#define LK_CRYPTO_CLIENT_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define LK_CLIENT_ID_LENGTH 26     /* "lkc_" + 22 */
#define LK_CLIENT_SECRET_LENGTH 47 /* "lks_" + 43 */

/* Client ids in requests are at most this long (the column allows 128). */
#define LK_CLIENT_ID_MAX_LENGTH 128
/* Secrets in requests longer than this are rejected before hashing. */
#define LK_CLIENT_SECRET_MAX_LENGTH 256

#define LK_CLIENT_SECRET_HASH_PREFIX "hmac-sha256$"
#define LK_CLIENT_SECRET_HASH_LENGTH (sizeof LK_CLIENT_SECRET_HASH_PREFIX - 1 + 64)

/* Fills `id` with a new random client id. Returns 0 or -1. */
__attribute__((warn_unused_result)) int lk_client_id_generate(char id[LK_CLIENT_ID_LENGTH + 1]);

/* Fills `secret` with a new random secret, which the caller wipes after use. Returns 0 or -1. */
__attribute__((warn_unused_result)) int lk_client_secret_generate(
    char secret[LK_CLIENT_SECRET_LENGTH + 1]);

/*
 * Writes the stored form of `secret` for `client_id` into `hash` (NUL-terminated).
 * Returns 0, or -1 when either input is empty.
 */
__attribute__((warn_unused_result)) int lk_client_secret_hash(
    const char *client_id, size_t client_id_length, const char *secret, size_t secret_length,
    char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1]);

/*
 * Returns true when `secret` hashes to `stored_hash` for `client_id`. The comparison runs
 * in constant time, and a stored hash of another format or length never matches.
 */
bool lk_client_secret_matches(const char *client_id, size_t client_id_length,
                              const char *secret, size_t secret_length,
                              const char *stored_hash);

#endif
