/*
 * State shared by every thread of a running server: the immutable configuration, the
 * worker pool, the current key ring, the master key and the revoked sessions. Created once by lk_serve before
 * the event loops start and destroyed after they have all stopped.
 */
#ifndef LK_HTTP_APP_H
#define LK_HTTP_APP_H

#include "access/access_cache.h"
#include "config/config.h"
#include "crypto/master_key.h"
#include "http/client_address.h"
#include "keys/key_source.h"
#include "sessions/revocation_list.h"
#include "limits/limiter.h"
#include "passwords/common_passwords.h"
#include "work/worker_pool.h"

#include <stdatomic.h>

typedef struct lk_app {
    const lk_config_t *config;
    lk_worker_pool_t *workers;
    lk_key_source_t *keys;
    lk_master_key_t *master_key;
    lk_access_cache_t *access_cache; /* memberships and service clients */
    lk_revocation_list_t *revocations; /* revoked sessions, consulted when verifying */
    lk_master_key_t *previous_master_key; /* NULL unless a master-key rotation is under way */
    lk_limits_t *limits;
    lk_trusted_proxies_t *trusted_proxies;
    lk_common_passwords_t *common_passwords; /* rejected as new passwords */
    atomic_long requests_in_flight; /* also counts background jobs, so the drain waits for them */
} lk_app_t;

#endif
