/* Keyed names of rate-limit state; see limit_keys.h. */
#include "limits/limit_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Feeds a length-prefixed part to the hash, so that ("ab", "c") and ("a", "bc") differ. */
static void hash_part(crypto_generichash_state *state, const void *part, size_t length)
{
    unsigned char prefix[2] = {(unsigned char)(length >> 8), (unsigned char)length};
    crypto_generichash_update(state, prefix, sizeof(prefix));
    crypto_generichash_update(state, part, length);
}

void lk_limit_key_derive(const unsigned char hash_key[LK_LIMIT_HASH_KEY_BYTES],
                         const char *policy, lk_limit_scope_t scope,
                         const lk_limit_query_t *query, lk_limit_key_t *key)
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, hash_key, LK_LIMIT_HASH_KEY_BYTES, LK_LIMIT_DIGEST_BYTES);
    hash_part(&state, policy, strlen(policy));

    if (scope != LK_LIMIT_PER_ADDRESS)
        hash_part(&state, query->subject, strlen(query->subject));
    if (scope != LK_LIMIT_PER_SUBJECT)
        hash_part(&state, query->address, query->address_length);
    crypto_generichash_final(&state, key->digest, LK_LIMIT_DIGEST_BYTES);

    char hex[2 * LK_LIMIT_DIGEST_BYTES + 1];
    sodium_bin2hex(hex, sizeof(hex), key->digest, LK_LIMIT_DIGEST_BYTES);
    snprintf(key->redis, sizeof(key->redis), "lk:rl:%.31s:%s", policy, hex);
}
