/* Cached membership and client lookups with a worker fallback; see access_lookup.h. */
#include "http/access_lookup.h"

#include "core/log.h"
#include "http/respond.h"
#include "store/memberships.h"
#include "store/service_clients.h"
#include "validate/request_schema.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct lookup_job {
    lk_request_job_t base;
    lk_access_lookup_t lookup;
    lk_access_cache_t *cache;
    lk_access_lookup_fn then;
    void *context;
    lk_store_result_t failure; /* LK_STORE_OK unless a query failed */
} lookup_job_t;

void lk_access_lookup_init(lk_access_lookup_t *lookup)
{
    memset(lookup, 0, sizeof *lookup);
}

void lk_access_lookup_add_client(lk_access_lookup_t *lookup, const char *client_id)
{
    lookup->wants_client = true;
    snprintf(lookup->client_id, sizeof lookup->client_id, "%s", client_id);
}

size_t lk_access_lookup_add_membership(lk_access_lookup_t *lookup, const char *org_id,
                                       const char *user_id)
{
    for (size_t i = 0; i < lookup->membership_count; i++) {
        lk_membership_query_t *query = &lookup->memberships[i];
        if (strcasecmp(query->org_id, org_id) == 0 && strcasecmp(query->user_id, user_id) == 0)
            return i;
    }
    if (lookup->membership_count == LK_LOOKUP_MAX_MEMBERSHIPS)
        return LK_LOOKUP_MAX_MEMBERSHIPS - 1;

    lk_membership_query_t *query = &lookup->memberships[lookup->membership_count];
    memset(query, 0, sizeof *query);
    snprintf(query->org_id, sizeof query->org_id, "%s", org_id);
    snprintf(query->user_id, sizeof query->user_id, "%s", user_id);
    /* Ids that are not UUIDs cannot name a membership, so no lookup is needed. */
    if (!lk_format_is_uuid(org_id, strlen(org_id)) || !lk_format_is_uuid(user_id, strlen(user_id)))
        query->fact.state = LK_FACT_ABSENT;
    return lookup->membership_count++;
}

/* Fills what the caches know. Returns true when nothing is left to look up. */
static bool fill_from_cache(lk_access_cache_t *cache, lk_access_lookup_t *lookup)
{
    int64_t now = lk_monotonic_ms();
    bool complete = true;

    if (lookup->wants_client && lookup->client.state == LK_FACT_UNKNOWN &&
        !lk_ttl_cache_get(cache->clients, lookup->client_id, &lookup->client, now))
        complete = false;

    for (size_t i = 0; i < lookup->membership_count; i++) {
        lk_membership_query_t *query = &lookup->memberships[i];
        if (query->fact.state != LK_FACT_UNKNOWN)
            continue;
        char key[LK_MEMBERSHIP_KEY_SIZE];
        lk_membership_cache_key(query->org_id, query->user_id, key);
        if (!lk_ttl_cache_get(cache->memberships, key, &query->fact, now))
            complete = false;
    }
    return complete;
}

/* Reads a client from PostgreSQL into `fact`. Runs on a worker. */
static lk_store_result_t fetch_client(PGconn *connection, const char *client_id,
                                      lk_client_fact_t *fact)
{
    lk_service_client_record_t record;
    lk_store_result_t result = lk_store_service_client_find(connection, client_id, &record);
    if (result == LK_STORE_NOT_FOUND) {
        fact->state = LK_FACT_ABSENT;
        return LK_STORE_OK;
    }
    if (result == LK_STORE_OK) {
        fact->state = LK_FACT_PRESENT;
        fact->revoked = record.revoked;
        fact->scopes = record.scopes;
        memcpy(fact->secret_hash, record.secret_hash, sizeof fact->secret_hash);
    }
    sodium_memzero(&record, sizeof record);
    return result;
}

/* Reads a membership from PostgreSQL into `fact`. Runs on a worker. */
static lk_store_result_t fetch_membership(PGconn *connection, const lk_membership_query_t *query,
                                          lk_membership_fact_t *fact)
{
    lk_store_result_t result =
        lk_store_membership_find(connection, query->org_id, query->user_id, &fact->role);
    if (result == LK_STORE_NOT_FOUND) {
        fact->state = LK_FACT_ABSENT;
        fact->role = LK_ROLE_NONE;
        return LK_STORE_OK;
    }
    if (result == LK_STORE_OK)
        fact->state = LK_FACT_PRESENT;
    return result;
}

static lk_store_result_t fetch_missing_client(lookup_job_t *job, PGconn *connection)
{
    lk_access_lookup_t *lookup = &job->lookup;
    if (!lookup->wants_client || lookup->client.state != LK_FACT_UNKNOWN)
        return LK_STORE_OK;

    uint64_t generation = lk_ttl_cache_generation(job->cache->clients);
    lk_store_result_t result = fetch_client(connection, lookup->client_id, &lookup->client);
    if (result == LK_STORE_OK)
        lk_ttl_cache_put(job->cache->clients, lookup->client_id, &lookup->client, generation,
                         lk_monotonic_ms());
    return result;
}

static lk_store_result_t fetch_missing_memberships(lookup_job_t *job, PGconn *connection)
{
    lk_access_lookup_t *lookup = &job->lookup;
    for (size_t i = 0; i < lookup->membership_count; i++) {
        lk_membership_query_t *query = &lookup->memberships[i];
        if (query->fact.state != LK_FACT_UNKNOWN)
            continue;

        uint64_t generation = lk_ttl_cache_generation(job->cache->memberships);
        lk_store_result_t result = fetch_membership(connection, query, &query->fact);
        if (result != LK_STORE_OK)
            return result;

        char key[LK_MEMBERSHIP_KEY_SIZE];
        lk_membership_cache_key(query->org_id, query->user_id, key);
        lk_ttl_cache_put(job->cache->memberships, key, &query->fact, generation,
                         lk_monotonic_ms());
    }
    return LK_STORE_OK;
}

static void run_lookup(lk_job_t *base, lk_worker_t *worker)
{
    lookup_job_t *job = (lookup_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->failure = LK_STORE_UNAVAILABLE;
        return;
    }

    job->failure = fetch_missing_client(job, connection);
    if (job->failure == LK_STORE_OK)
        job->failure = fetch_missing_memberships(job, connection);
    if (job->failure == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);
}

static void destroy_job(lookup_job_t *job)
{
    sodium_memzero(&job->lookup, sizeof job->lookup);
    free(job);
}

static void finish_lookup(lk_job_t *base)
{
    lookup_job_t *job = (lookup_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL && job->failure == LK_STORE_UNAVAILABLE)
        lk_respond_unavailable(request, "database unavailable during an access lookup");
    else if (request != NULL && job->failure != LK_STORE_OK)
        lk_respond_internal_error(request, "access lookup failed; see the database error above");
    else if (request != NULL)
        job->then(request, &job->lookup, job->context);
    destroy_job(job);
}

void lk_access_lookup_run(lk_request_t *request, const lk_access_lookup_t *lookup,
                          lk_access_lookup_fn then, void *context)
{
    lk_access_cache_t *cache = request->app->access_cache;
    lk_access_lookup_t known = *lookup;
    if (fill_from_cache(cache, &known)) {
        then(request, &known, context);
        sodium_memzero(&known, sizeof known);
        return;
    }

    lookup_job_t *job = calloc(1, sizeof *job);
    if (job == NULL) {
        sodium_memzero(&known, sizeof known);
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    job->lookup = known;
    job->cache = cache;
    job->then = then;
    job->context = context;
    sodium_memzero(&known, sizeof known);

    if (lk_request_submit(request, &job->base, run_lookup, finish_lookup) != 0) {
        destroy_job(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
