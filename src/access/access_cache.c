/* The membership and service-client caches; see access_cache.h. */
#include "access/access_cache.h"

#include "validate/uuid_text.h"

#include <stdlib.h>
#include <string.h>

lk_access_cache_t *lk_access_cache_create(int64_t membership_ttl_seconds,
                                          int64_t client_ttl_seconds)
{
    lk_access_cache_t *cache = calloc(1, sizeof *cache);
    if (cache == NULL)
        return NULL;

    cache->memberships = lk_ttl_cache_create(membership_ttl_seconds * 1000,
                                             LK_MEMBERSHIP_CACHE_MAX_ENTRIES,
                                             sizeof(lk_membership_fact_t));
    cache->clients = lk_ttl_cache_create(client_ttl_seconds * 1000, LK_CLIENT_CACHE_MAX_ENTRIES,
                                         sizeof(lk_client_fact_t));
    if (cache->memberships == NULL || cache->clients == NULL) {
        lk_access_cache_destroy(cache);
        return NULL;
    }
    return cache;
}

void lk_access_cache_destroy(lk_access_cache_t *cache)
{
    if (cache == NULL)
        return;
    lk_ttl_cache_destroy(cache->memberships);
    lk_ttl_cache_destroy(cache->clients);
    free(cache);
}

void lk_membership_cache_key(const char *org_id, const char *user_id,
                             char key[LK_MEMBERSHIP_KEY_SIZE])
{
    lk_uuid_copy_lower(org_id, key);
    key[36] = ':';
    lk_uuid_copy_lower(user_id, key + 37);
}
