/*
 * The in-process caches of the two lookups that authorisation makes on almost every
 * request: "what role does this user hold in this organisation" and "what is this
 * service client". Both also store negative results, so that repeated requests from
 * outsiders do not each cost a database round trip.
 *
 * Entries expire after LATCHKEY_MEMBERSHIP_CACHE_TTL and LATCHKEY_CLIENT_CACHE_TTL
 * seconds. The cache listener (cache_listener.h) removes them sooner when PostgreSQL
 * notifies a change. Safe on every thread (see ttl_cache.h).
 */
#ifndef LK_ACCESS_ACCESS_CACHE_H
#define LK_ACCESS_ACCESS_CACHE_H

#include "access/client_scopes.h"
#include "access/org_role.h"
#include "access/ttl_cache.h"
#include "crypto/client_secret.h"

#include <stdbool.h>
#include <stdint.h>

/* Each cache holds at most this many entries. Beyond that, new results are not cached. */
#define LK_MEMBERSHIP_CACHE_MAX_ENTRIES 65536
#define LK_CLIENT_CACHE_MAX_ENTRIES 16384

/* What is known about one fact: not yet looked up, looked up and absent, or present. */
typedef enum lk_fact_state {
    LK_FACT_UNKNOWN = 0,
    LK_FACT_ABSENT,
    LK_FACT_PRESENT,
} lk_fact_state_t;

/* A user's membership of an organisation, with `role` set when present. */
typedef struct lk_membership_fact {
    lk_fact_state_t state;
    lk_org_role_t role;
} lk_membership_fact_t;

/* A service client as authentication needs it. The fields after `state` are set when present. */
typedef struct lk_client_fact {
    lk_fact_state_t state;
    bool revoked;
    lk_scope_set_t scopes;
    char secret_hash[LK_CLIENT_SECRET_HASH_LENGTH + 1];
} lk_client_fact_t;

typedef struct lk_access_cache {
    lk_ttl_cache_t *memberships; /* key "<org_id>:<user_id>", value lk_membership_fact_t */
    lk_ttl_cache_t *clients;     /* key client id, value lk_client_fact_t */
} lk_access_cache_t;

/* Room for "<org_id>:<user_id>" and the NUL. */
#define LK_MEMBERSHIP_KEY_SIZE 74

/*
 * Creates both caches. A TTL of 0 seconds disables that cache. Returns NULL when out of
 * memory.
 */
__attribute__((warn_unused_result)) lk_access_cache_t *lk_access_cache_create(
    int64_t membership_ttl_seconds, int64_t client_ttl_seconds);

/* Frees both caches. Accepts NULL. */
void lk_access_cache_destroy(lk_access_cache_t *cache);

/*
 * Writes the cache key of a membership: both UUIDs lower-cased, joined by ':'. This is
 * also the payload of the membership NOTIFY. Both ids must be UUID text (36 characters).
 */
void lk_membership_cache_key(const char *org_id, const char *user_id,
                             char key[LK_MEMBERSHIP_KEY_SIZE]);

#endif
