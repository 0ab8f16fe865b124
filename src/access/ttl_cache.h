/*
 * A bounded, thread-safe map from short string keys to fixed-size values that expire a
 * fixed time after they were stored. It stores the results of membership and
 * service-client lookups, which would otherwise cost a PostgreSQL round trip on every
 * request.
 *
 * Invalidation races: a worker reads the generation before its database query and passes
 * it to lk_ttl_cache_put. Every remove or clear increments the generation, so a value
 * read from the database before an invalidation is never stored after it.
 *
 * Every function takes the cache's mutex for a short, bounded time (no I/O), so the event
 * loops, the workers and the notification listener may all call it. Times are
 * milliseconds on a monotonic clock, passed in by the caller.
 */
#ifndef LK_ACCESS_TTL_CACHE_H
#define LK_ACCESS_TTL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys longer than this are never cached: lookups miss and stores are skipped. */
#define LK_TTL_CACHE_KEY_MAX_LENGTH 160

typedef struct lk_ttl_cache lk_ttl_cache_t;

/*
 * Creates a cache whose entries live `ttl_ms` milliseconds, holding at most `max_entries`
 * values of `value_size` bytes each. A `ttl_ms` of 0 makes a disabled cache, on which
 * every lookup misses and every store is skipped. Returns NULL when out of memory.
 */
__attribute__((warn_unused_result)) lk_ttl_cache_t *lk_ttl_cache_create(int64_t ttl_ms,
                                                                       size_t max_entries,
                                                                       size_t value_size);

/* Frees the cache and its entries. Accepts NULL. No other thread may use it any more. */
void lk_ttl_cache_destroy(lk_ttl_cache_t *cache);

/*
 * Copies the value stored under `key` into `value` (value_size bytes) and returns true,
 * or returns false when there is none or it has expired at `now_ms`.
 */
bool lk_ttl_cache_get(lk_ttl_cache_t *cache, const char *key, void *value, int64_t now_ms);

/* Returns the current generation, to be read before querying the database. */
uint64_t lk_ttl_cache_generation(lk_ttl_cache_t *cache);

/*
 * Stores `value` under `key`, expiring at `now_ms` + ttl, unless the generation has moved
 * past `generation`, the key is too long or the cache is full even after dropping its
 * expired entries. Returns true when the value was stored.
 */
bool lk_ttl_cache_put(lk_ttl_cache_t *cache, const char *key, const void *value,
                      uint64_t generation, int64_t now_ms);

/* Removes the entry under `key`, if any, and moves the generation on. */
void lk_ttl_cache_remove(lk_ttl_cache_t *cache, const char *key);

/* Removes every entry and moves the generation on. */
void lk_ttl_cache_clear(lk_ttl_cache_t *cache);

/* Returns the number of entries held, expired ones included until they are dropped. */
size_t lk_ttl_cache_count(lk_ttl_cache_t *cache);

/* Returns milliseconds on CLOCK_MONOTONIC, the clock the callers pass as `now_ms`. */
int64_t lk_monotonic_ms(void);

#endif
