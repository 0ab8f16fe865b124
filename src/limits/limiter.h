/*
 * The rate limiter of a running server: the rules of every limit class (limit_policy.h),
 * the key that hashes subjects and addresses, the Redis limiter that all instances share and
 * the in-memory table. Created once by lk_serve and unchanged afterwards, apart from the
 * in-memory table and a few atomic counters for logging, so every thread may use it.
 *
 * Which limiter decides: classes marked in_memory (verification, JWKS, probes) are counted
 * in this instance's memory on the event loop and never touch Redis, so they keep working
 * while Redis is down. Every other class is counted in Redis by a worker thread, as the first
 * step of the request's job. While Redis is unreachable those requests get
 * LK_LIMIT_UNAVAILABLE (the caller responds 503), or, with LATCHKEY_RATE_LIMIT_FALLBACK=local,
 * they are counted in memory instead.
 */
#ifndef LK_LIMITS_LIMITER_H
#define LK_LIMITS_LIMITER_H

#include "config/config.h"
#include "crypto/master_key.h"
#include "limits/limit_decision.h"
#include "work/worker_pool.h"

typedef struct lk_limits lk_limits_t;

/*
 * Builds the limiter from the configuration, deriving the hash key from `master_key`.
 * Returns it, or NULL with the problem in `error`.
 */
__attribute__((warn_unused_result)) lk_limits_t *lk_limits_create(const lk_config_t *config,
                                                                  const lk_master_key_t *master_key,
                                                                  char *error, size_t error_size);

/* Wipes the hash key and frees everything. Accepts NULL. */
void lk_limits_destroy(lk_limits_t *limits);

/* Returns the rules of a class. */
const lk_limit_class_rules_t *lk_limits_class(const lk_limits_t *limits,
                                              lk_limit_class_t limit_class);

/*
 * Counts a request of an in-memory class in this instance's table. Never blocks on I/O:
 * for event-loop threads. A query of another class is admitted without counting.
 */
void lk_limits_check_in_memory(lk_limits_t *limits, const lk_limit_query_t *query,
                               lk_limit_decision_t *decision);

/*
 * Counts a request in Redis through the worker's connection (reconnecting once when the
 * connection turns out to be dead), or in memory as described above. Blocks for a Redis
 * round trip: worker threads only. An in-memory or LK_LIMIT_NONE query is counted in memory
 * or admitted without counting.
 */
void lk_limits_check(lk_limits_t *limits, lk_worker_t *worker, const lk_limit_query_t *query,
                     lk_limit_decision_t *decision);

/*
 * Records that the subject proved its credentials from the query's address: the back-off
 * count of that subject and address is forgotten, and the address becomes known for the
 * subject for LATCHKEY_RATE_LIMIT_KNOWN_ADDRESS_TTL. Only classes with a back-off rule
 * (login, password change) keep such state; for others this does nothing. A Redis failure
 * is logged and otherwise ignored, because the request has succeeded already. Worker threads
 * only.
 */
void lk_limits_record_success(lk_limits_t *limits, lk_worker_t *worker,
                              const lk_limit_query_t *query);

#endif
