/*
 * The names under which rate-limit state is stored. A name is a keyed BLAKE2b hash of the
 * policy and of the subject and address it counts, so that a dump of Redis (or of the
 * in-memory table) lists neither emails nor addresses. The hash key is derived from the
 * master key, so every instance computes the same names.
 */
#ifndef LK_LIMITS_LIMIT_KEYS_H
#define LK_LIMITS_LIMIT_KEYS_H

#include "limits/limit_policy.h"

#define LK_LIMIT_HASH_KEY_BYTES 32
#define LK_LIMIT_DIGEST_BYTES 16
/* "lk:rl:" + a policy name of at most 31 characters + ":" + 32 hex digits */
#define LK_LIMIT_REDIS_KEY_SIZE 72

typedef struct lk_limit_key {
    unsigned char digest[LK_LIMIT_DIGEST_BYTES];
    char redis[LK_LIMIT_REDIS_KEY_SIZE]; /* "lk:rl:login-ip:<hex digest>" */
} lk_limit_key_t;

/*
 * Computes the key of `policy` for the parts of `query` that `scope` names. Different
 * policies never share a key, even for the same parts.
 */
void lk_limit_key_derive(const unsigned char hash_key[LK_LIMIT_HASH_KEY_BYTES],
                         const char *policy, lk_limit_scope_t scope,
                         const lk_limit_query_t *query, lk_limit_key_t *key);

#endif
