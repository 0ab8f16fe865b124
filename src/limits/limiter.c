/* The server's rate limiter: Redis, in-memory table and fallback; see limiter.h. */
#include "limits/limiter.h"

#include "core/log.h"
#include "limits/local_limiter.h"
#include "limits/redis_limiter.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Subkey of the master key that hashes rate-limit keys (see lk_master_key_derive).
 * NOTE: a master-key rotation changes this key, so counts start afresh on each instance
 * that switches, and instances on different master keys count separately until all switch. */
#define HASH_KEY_ID 1
#define HASH_KEY_CONTEXT "lkratelm"

/* While Redis stays unreachable, one log line per this many microseconds reports it. */
#define OUTAGE_LOG_INTERVAL_US 10000000

struct lk_limits {
    lk_limit_policies_t policies;
    unsigned char *hash_key; /* sodium_malloc'ed, LK_LIMIT_HASH_KEY_BYTES */
    char script_sha[LK_REDIS_SCRIPT_SHA_SIZE];
    bool fallback_in_memory;
    lk_local_limiter_t *table;
    atomic_bool redis_failing;
    atomic_llong last_outage_log_us;
    atomic_long unlogged_failures;
};

lk_limits_t *lk_limits_create(const lk_config_t *config, const lk_master_key_t *master_key,
                              char *error, size_t error_size)
{
    lk_limits_t *limits = calloc(1, sizeof(*limits));
    if (limits == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    if (lk_limit_policies_load(config, &limits->policies, error, error_size) != 0) {
        lk_limits_destroy(limits);
        return NULL;
    }
    limits->fallback_in_memory = strcmp(config->rate_limit_fallback, "local") == 0;

    limits->hash_key = sodium_malloc(LK_LIMIT_HASH_KEY_BYTES);
    limits->table = lk_local_limiter_create(LK_LOCAL_LIMITER_ENTRIES);
    if (limits->hash_key == NULL || limits->table == NULL ||
        lk_master_key_derive(master_key, HASH_KEY_ID, HASH_KEY_CONTEXT, limits->hash_key,
                             LK_LIMIT_HASH_KEY_BYTES) != 0 ||
        lk_redis_limiter_script_sha(limits->script_sha) != 0) {
        snprintf(error, error_size, "cannot set up the rate limiter (out of memory)");
        lk_limits_destroy(limits);
        return NULL;
    }
    return limits;
}

void lk_limits_destroy(lk_limits_t *limits)
{
    if (limits == NULL)
        return;
    sodium_free(limits->hash_key); /* zeroes the key before unmapping it */
    lk_local_limiter_destroy(limits->table);
    free(limits);
}

const lk_limit_class_rules_t *lk_limits_class(const lk_limits_t *limits,
                                              lk_limit_class_t limit_class)
{
    return &limits->policies.classes[limit_class];
}

/* Derives the key of every rule of the query's class, and of the known-address mark. */
static void build_plan(const lk_limits_t *limits, const lk_limit_query_t *query,
                       lk_limit_plan_t *plan)
{
    const lk_limit_class_rules_t *rules = lk_limits_class(limits, query->limit_class);

    memset(plan, 0, sizeof(*plan));
    for (size_t i = 0; i < rules->rule_count; i++) {
        const lk_limit_rule_t *rule = &rules->rules[i];
        plan->rules[i] = rule;
        lk_limit_key_derive(limits->hash_key, rule->policy, rule->scope, query, &plan->keys[i]);
        plan->has_known_key |= rule->skip_known;
    }
    plan->rule_count = rules->rule_count;
    if (plan->has_known_key)
        lk_limit_key_derive(limits->hash_key, rules->known_policy,
                            LK_LIMIT_PER_SUBJECT_AND_ADDRESS, query, &plan->known_key);
}

static void admit_unchecked(lk_limit_decision_t *decision)
{
    memset(decision, 0, sizeof(*decision));
    decision->outcome = LK_LIMIT_ADMITTED;
}

void lk_limits_check_in_memory(lk_limits_t *limits, const lk_limit_query_t *query,
                               lk_limit_decision_t *decision)
{
    if (query->limit_class == LK_LIMIT_NONE) {
        admit_unchecked(decision);
        return;
    }
    lk_limit_plan_t plan;
    build_plan(limits, query, &plan);
    lk_local_limiter_evaluate(limits->table, &plan, lk_local_limiter_now(), decision);
}

/*
 * Logs a Redis failure at most once per OUTAGE_LOG_INTERVAL_US, with the number of failures
 * since the previous line, so that an outage under load does not flood the log.
 */
static void log_redis_failure(lk_limits_t *limits, const char *reason)
{
    atomic_store(&limits->redis_failing, true);
    int64_t now = lk_local_limiter_now();
    long long last = atomic_load(&limits->last_outage_log_us);
    long unlogged = atomic_fetch_add(&limits->unlogged_failures, 1) + 1;

    if (last != 0 && now - last < OUTAGE_LOG_INTERVAL_US)
        return;
    if (!atomic_compare_exchange_strong(&limits->last_outage_log_us, &last, now))
        return;
    atomic_fetch_sub(&limits->unlogged_failures, unlogged);
    lk_log_error("rate limit unavailable: Redis: %s (%ld failed checks in the last %d s); %s",
                 reason, unlogged, OUTAGE_LOG_INTERVAL_US / 1000000,
                 limits->fallback_in_memory
                     ? "counting in this instance's memory instead"
                     : "requests limited in Redis get 503 until Redis answers again");
}

static void note_redis_working(lk_limits_t *limits)
{
    if (atomic_exchange(&limits->redis_failing, false))
        lk_log_info("rate limit recovered: Redis responds again");
}

/* Runs the plan in Redis, reconnecting and retrying once after a dead connection. */
static lk_redis_limiter_result_t evaluate_in_redis(lk_limits_t *limits, lk_worker_t *worker,
                                                   const lk_limit_plan_t *plan,
                                                   lk_limit_decision_t *decision, char *error,
                                                   size_t error_size)
{
    lk_redis_limiter_result_t result = LK_REDIS_LIMITER_CONNECTION_FAILED;
    snprintf(error, error_size, "cannot connect (see the worker's log line)");

    for (int attempt = 0; attempt < 2 && result == LK_REDIS_LIMITER_CONNECTION_FAILED;
         attempt++) {
        redisContext *context = lk_worker_redis(worker);
        if (context == NULL)
            return LK_REDIS_LIMITER_CONNECTION_FAILED;
        result = lk_redis_limiter_evaluate(context, limits->script_sha, plan, decision, error,
                                           error_size);
        if (result != LK_REDIS_LIMITER_OK)
            lk_worker_redis_reset(worker);
    }
    return result;
}

void lk_limits_check(lk_limits_t *limits, lk_worker_t *worker, const lk_limit_query_t *query,
                     lk_limit_decision_t *decision)
{
    if (query->limit_class == LK_LIMIT_NONE ||
        lk_limits_class(limits, query->limit_class)->in_memory) {
        lk_limits_check_in_memory(limits, query, decision);
        return;
    }

    lk_limit_plan_t plan;
    char error[256];
    build_plan(limits, query, &plan);
    if (evaluate_in_redis(limits, worker, &plan, decision, error, sizeof(error)) ==
        LK_REDIS_LIMITER_OK) {
        note_redis_working(limits);
        return;
    }

    log_redis_failure(limits, error);
    if (limits->fallback_in_memory) {
        lk_local_limiter_evaluate(limits->table, &plan, lk_local_limiter_now(), decision);
        return;
    }
    memset(decision, 0, sizeof(*decision));
    decision->outcome = LK_LIMIT_UNAVAILABLE;
}

/* Finds the key of the class's back-off rule in `plan`. Returns NULL when it has none. */
static const lk_limit_key_t *backoff_key(const lk_limit_plan_t *plan)
{
    for (size_t i = 0; i < plan->rule_count; i++) {
        if (plan->rules[i]->algorithm == LK_LIMIT_BACKOFF)
            return &plan->keys[i];
    }
    return NULL;
}

void lk_limits_record_success(lk_limits_t *limits, lk_worker_t *worker,
                              const lk_limit_query_t *query)
{
    lk_limit_plan_t plan;
    build_plan(limits, query, &plan);
    const lk_limit_key_t *reset_key = backoff_key(&plan);
    const lk_limit_key_t *known_key = plan.has_known_key ? &plan.known_key : NULL;
    if (reset_key == NULL)
        return;

    /* The in-memory table is cleared too, in case it counted while Redis was down. */
    int64_t ttl_ms = limits->policies.known_address_ttl_ms;
    lk_local_limiter_record_success(limits->table, reset_key, known_key, ttl_ms * 1000,
                                    lk_local_limiter_now());

    char error[256];
    redisContext *context = lk_worker_redis(worker);
    lk_redis_limiter_result_t result =
        context != NULL ? lk_redis_limiter_record_success(context, reset_key, known_key, ttl_ms,
                                                          error, sizeof(error))
                        : LK_REDIS_LIMITER_CONNECTION_FAILED;
    if (result == LK_REDIS_LIMITER_OK)
        return;
    if (context == NULL)
        snprintf(error, sizeof(error), "cannot connect (see the worker's log line)");
    lk_worker_redis_reset(worker);
    log_redis_failure(limits, error);
}
