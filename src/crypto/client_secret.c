/* Service-client ids, secrets and secret hashes; see client_secret.h. */
#include "crypto/client_secret.h"

#include "crypto/base64url.h"

#include <sodium.h>
#include <string.h>

#define CLIENT_ID_RANDOM_BYTES 16
#define CLIENT_SECRET_RANDOM_BYTES 32

/* Writes `prefix` and the base64url text of `random_bytes` fresh random bytes. */
static int generate_prefixed(const char *prefix, size_t random_bytes, char *output,
                             size_t output_size)
{
    unsigned char bytes[CLIENT_SECRET_RANDOM_BYTES];
    size_t prefix_length = strlen(prefix);

    if (sodium_init() < 0 || random_bytes > sizeof bytes || output_size <= prefix_length)
        return -1;
    randombytes_buf(bytes, random_bytes);
    memcpy(output, prefix, prefix_length);
    int status = lk_base64url_encode(output + prefix_length, output_size - prefix_length, bytes,
                                     random_bytes);
    sodium_memzero(bytes, sizeof bytes);
    return status;
}

int lk_client_id_generate(char id[LK_CLIENT_ID_LENGTH + 1])
{
    return generate_prefixed("lkc_", CLIENT_ID_RANDOM_BYTES, id, LK_CLIENT_ID_LENGTH + 1);
}

int lk_client_secret_generate(char secret[LK_CLIENT_SECRET_LENGTH + 1])
{
    return generate_prefixed("lks_", CLIENT_SECRET_RANDOM_BYTES, secret,
                             LK_CLIENT_SECRET_LENGTH + 1);
}

int lk_client_secret_hash(const char *client_id, size_t client_id_length, const char *secret,
                          size_t secret_length, char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1])
{
    static const char prefix[] = LK_CLIENT_SECRET_HASH_PREFIX;
    unsigned char digest[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;

    hash[0] = '\0';
    if (client_id_length == 0 || secret_length == 0 || sodium_init() < 0)
        return -1;

    /* The _init form takes a key of any length, while crypto_auth_hmacsha256 needs exactly
       32 bytes. */
    if (crypto_auth_hmacsha256_init(&state, (const unsigned char *)client_id,
                                    client_id_length) != 0 ||
        crypto_auth_hmacsha256_update(&state, (const unsigned char *)secret, secret_length) != 0 ||
        crypto_auth_hmacsha256_final(&state, digest) != 0) {
        sodium_memzero(&state, sizeof state);
        return -1;
    }

    size_t prefix_length = sizeof prefix - 1;
    memcpy(hash, prefix, prefix_length);
    sodium_bin2hex(hash + prefix_length, LK_CLIENT_SECRET_HASH_LENGTH + 1 - prefix_length, digest,
                   sizeof digest);
    sodium_memzero(&state, sizeof state);
    sodium_memzero(digest, sizeof digest);
    return 0;
}

bool lk_client_secret_matches(const char *client_id, size_t client_id_length, const char *secret,
                              size_t secret_length, const char *stored_hash)
{
    char computed[LK_CLIENT_SECRET_HASH_LENGTH + 1];

    if (stored_hash == NULL || strlen(stored_hash) != LK_CLIENT_SECRET_HASH_LENGTH)
        return false;
    if (lk_client_secret_hash(client_id, client_id_length, secret, secret_length, computed) != 0)
        return false;

    bool equal = sodium_memcmp(computed, stored_hash, LK_CLIENT_SECRET_HASH_LENGTH) == 0;
    sodium_memzero(computed, sizeof computed);
    return equal;
}
