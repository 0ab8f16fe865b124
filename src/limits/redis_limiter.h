/*
 * The shared limiter: every rule of a request is evaluated by one Lua script inside Redis,
 * so the decision is atomic across all instances (no read-then-write race) and uses Redis's
 * clock. The script is called with EVALSHA and loaded with SCRIPT LOAD when Redis does not
 * have it (after a restart, for example). Blocking hiredis calls: worker threads only.
 */
#ifndef LK_LIMITS_REDIS_LIMITER_H
#define LK_LIMITS_REDIS_LIMITER_H

#include "limits/limit_decision.h"

#include <hiredis/hiredis.h>
#include <stddef.h>

#define LK_REDIS_SCRIPT_SHA_SIZE 41 /* 40 hex digits and the NUL */

typedef enum lk_redis_limiter_result {
    LK_REDIS_LIMITER_OK = 0,
    LK_REDIS_LIMITER_CONNECTION_FAILED, /* the context is unusable: reconnect, then retry */
    LK_REDIS_LIMITER_FAILED,            /* Redis returned an error or a malformed reply */
} lk_redis_limiter_result_t;

/* Writes the SHA-1 of the script in hex, as EVALSHA needs it. Returns 0 or -1. */
__attribute__((warn_unused_result)) int lk_redis_limiter_script_sha(
    char sha[LK_REDIS_SCRIPT_SHA_SIZE]);

/*
 * Evaluates `plan` in Redis and fills `decision`. On failure, writes the reason (never a
 * key's meaning, which Redis does not know either) to `error`.
 */
__attribute__((warn_unused_result)) lk_redis_limiter_result_t lk_redis_limiter_evaluate(
    redisContext *context, const char sha[LK_REDIS_SCRIPT_SHA_SIZE], const lk_limit_plan_t *plan,
    lk_limit_decision_t *decision, char *error, size_t error_size);

/*
 * Deletes `reset_key` (a back-off count) and, when `known_key` is not NULL, sets it for
 * `known_ttl_ms`, in one MULTI/EXEC transaction.
 */
__attribute__((warn_unused_result)) lk_redis_limiter_result_t lk_redis_limiter_record_success(
    redisContext *context, const lk_limit_key_t *reset_key, const lk_limit_key_t *known_key,
    int64_t known_ttl_ms, char *error, size_t error_size);

#endif
