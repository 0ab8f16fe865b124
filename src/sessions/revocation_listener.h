/*
 * A background thread per server that keeps the in-process revocation list current. It
 * subscribes to LK_REVOCATIONS_CHANNEL and adds each announced session as the message
 * arrives, and it reads the whole sorted set LK_REVOKED_SESSIONS_KEY at start-up, after
 * every (re)subscription and every LATCHKEY_REVOCATION_RESYNC_INTERVAL seconds, which
 * repairs messages lost while the subscription was down. When Redis is unreachable it
 * retries every second and the list keeps what it has.
 */
#ifndef LK_SESSIONS_REVOCATION_LISTENER_H
#define LK_SESSIONS_REVOCATION_LISTENER_H

#include "config/config.h"
#include "sessions/revocation_list.h"

typedef struct lk_revocation_listener lk_revocation_listener_t;

/*
 * Reads the sorted set once (a failure is logged and the thread retries), then starts
 * the thread. `config` and `list` must outlive the listener. Returns NULL when the
 * thread cannot be started.
 */
__attribute__((warn_unused_result)) lk_revocation_listener_t *lk_revocation_listener_start(
    const lk_config_t *config, lk_revocation_list_t *list);

/* Stops and joins the thread, closes its Redis connections and frees it. Accepts NULL. */
void lk_revocation_listener_stop(lk_revocation_listener_t *listener);

#endif
