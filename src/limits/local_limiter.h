/*
 * The in-memory limiter: a fixed-size table of rate-limit states, shared by every thread of
 * one instance. It counts the event-loop endpoints (verification, JWKS, probes), whose
 * limits must never wait on Redis. It also replaces Redis while Redis is unreachable when
 * LATCHKEY_RATE_LIMIT_FALLBACK=local. It never blocks on I/O, so it is safe on an event-loop
 * thread, and it takes only short mutex locks.
 *
 * The table is split into stripes with their own locks. When a stripe's probe window is
 * full, the entry that expires first is overwritten, so a flood of distinct keys can make
 * the table forget older counts. Redis-backed limits have no such bound.
 */
#ifndef LK_LIMITS_LOCAL_LIMITER_H
#define LK_LIMITS_LOCAL_LIMITER_H

#include "limits/limit_decision.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lk_local_limiter lk_local_limiter_t;

/* Entries kept by the table that lk_limits_create makes, about 3 MiB. */
#define LK_LOCAL_LIMITER_ENTRIES 65536

/* Creates a table of about `entries` entries (at least 64). Returns it, or NULL. */
__attribute__((warn_unused_result)) lk_local_limiter_t *lk_local_limiter_create(size_t entries);

/* Frees the table. Accepts NULL. */
void lk_local_limiter_destroy(lk_local_limiter_t *limiter);

/*
 * Evaluates every rule of `plan` at time `now_us` as one atomic step. When all admit the
 * request, each rule counts it. When one rejects it, nothing is counted. Fills `decision`.
 */
void lk_local_limiter_evaluate(lk_local_limiter_t *limiter, const lk_limit_plan_t *plan,
                               int64_t now_us, lk_limit_decision_t *decision);

/*
 * Forgets the state under `reset_key` (the back-off count of a subject and address) and,
 * when `known_key` is not NULL, remembers it for `known_ttl_us`.
 */
void lk_local_limiter_record_success(lk_local_limiter_t *limiter, const lk_limit_key_t *reset_key,
                                     const lk_limit_key_t *known_key, int64_t known_ttl_us,
                                     int64_t now_us);

/* Returns CLOCK_MONOTONIC in microseconds, the clock the server passes as `now_us`. */
int64_t lk_local_limiter_now(void);

#endif
