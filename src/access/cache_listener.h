/*
 * A background thread that keeps the access caches honest across instances: it LISTENs on
 * the membership and client channels and removes the entry each notification names.
 * When its connection drops it clears both caches, because notifications sent while it
 * was away are lost, and reconnects every second. The TTLs bound staleness meanwhile.
 */
#ifndef LK_ACCESS_CACHE_LISTENER_H
#define LK_ACCESS_CACHE_LISTENER_H

#include "access/access_cache.h"
#include "config/config.h"

typedef struct lk_cache_listener lk_cache_listener_t;

/*
 * Starts the thread. `config` and `cache` must outlive the listener. Returns NULL when the
 * thread cannot start. An unreachable database is not an error, because the thread keeps
 * retrying.
 */
__attribute__((warn_unused_result)) lk_cache_listener_t *lk_cache_listener_start(
    const lk_config_t *config, lk_access_cache_t *cache);

/* Stops and joins the thread, closes its connection and frees it. Accepts NULL. */
void lk_cache_listener_stop(lk_cache_listener_t *listener);

/*
 * Applies one notification to the caches: a membership payload "<org_id>:<user_id>" or a
 * client id removes that entry, and an empty or malformed payload clears the whole cache
 * of that channel. Exposed for the unit tests.
 */
void lk_cache_listener_apply(lk_access_cache_t *cache, const char *channel,
                             const char *payload);

#endif
