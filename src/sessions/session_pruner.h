/*
 * A background thread per server that runs every LATCHKEY_SESSION_PRUNE_INTERVAL seconds,
 * on one server at a time (a PostgreSQL advisory lock decides which). It deletes ended
 * sessions with their refresh tokens and clears sealed successors whose grace period has
 * passed. It also publishes the revocations of the last access-token lifetime to Redis
 * again, so that a publication lost to a Redis outage, or a revocation made without Redis,
 * still reaches every server's revocation list. Each step works in bounded batches.
 */
#ifndef LK_SESSIONS_SESSION_PRUNER_H
#define LK_SESSIONS_SESSION_PRUNER_H

#include "config/config.h"

typedef struct lk_session_pruner lk_session_pruner_t;

/* Starts the thread; `config` must outlive it. Returns NULL on failure. */
__attribute__((warn_unused_result)) lk_session_pruner_t *lk_session_pruner_start(
    const lk_config_t *config);

/* Stops and joins the thread, closes its connections and frees it. Accepts NULL. */
void lk_session_pruner_stop(lk_session_pruner_t *pruner);

#endif
