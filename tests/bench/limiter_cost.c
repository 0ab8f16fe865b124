/*
 * Measures what one rate-limit decision costs: the Redis limiter (one EVALSHA round trip
 * over loopback) and the in-memory table, for the login class (three rules and the
 * known-address key) and for a one-rule class. Built and run by tests/bench/limits.sh.
 *
 * Usage: limiter_cost REDIS_URL ITERATIONS SECONDS
 * Every measurement stops after ITERATIONS decisions or SECONDS seconds, whichever is first.
 */
#include "limits/local_limiter.h"
#include "limits/redis_limiter.h"
#include "store/redis_client.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THREADS 4

/* Counts high enough that no decision rejects, so every one writes its state. */
static const lk_limit_rule_t login_rules[] = {
    {.policy = "bench-ip", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_ADDRESS,
     .count = 1000000, .period_ms = 60000},
    {.policy = "bench-failures", .algorithm = LK_LIMIT_BACKOFF,
     .scope = LK_LIMIT_PER_SUBJECT_AND_ADDRESS, .count = 1000000, .period_ms = 900000,
     .backoff_max_ms = 3600000},
    {.policy = "bench-account", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_SUBJECT,
     .count = 1000000, .period_ms = 900000, .skip_known = true, .shared = true},
};

static unsigned char hash_key[LK_LIMIT_HASH_KEY_BYTES];
static char script_sha[LK_REDIS_SCRIPT_SHA_SIZE];
static const char *redis_url;
static long iterations;
static double seconds_limit;

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* A plan of `rule_count` rules for a client address that varies with `client`. */
static lk_limit_plan_t make_plan(size_t rule_count, unsigned client)
{
    lk_limit_query_t query = {.address = {4, 198, 51, (unsigned char)(client >> 8), (unsigned char)client},
                              .address_length = 5};
    snprintf(query.subject, sizeof(query.subject), "bench-%u@example.test", client % 64);
    lk_limit_plan_t plan = {.rule_count = rule_count, .has_known_key = rule_count == 3};
    for (size_t i = 0; i < rule_count; i++) {
        plan.rules[i] = &login_rules[i];
        lk_limit_key_derive(hash_key, login_rules[i].policy, login_rules[i].scope, &query, &plan.keys[i]);
    }
    lk_limit_key_derive(hash_key, "bench-known", LK_LIMIT_PER_SUBJECT_AND_ADDRESS, &query, &plan.known_key);
    return plan;
}

typedef struct run {
    size_t rule_count;
    bool in_redis;
    lk_local_limiter_t *table;
    long decisions;
    int failures;
} run_t;

static void *run_decisions(void *argument)
{
    run_t *run = argument;
    char error[256];
    redisContext *context = run->in_redis ? lk_redis_connect(redis_url, error, sizeof(error)) : NULL;
    double deadline = now_seconds() + seconds_limit;

    if (run->in_redis && context == NULL) {
        fprintf(stderr, "limiter_cost: %s\n", error);
        run->failures++;
        return NULL;
    }
    for (long i = 0; i < iterations && (i % 256 != 0 || now_seconds() < deadline); i++) {
        lk_limit_plan_t plan = make_plan(run->rule_count, (unsigned)i % 4096);
        lk_limit_decision_t decision;
        if (!run->in_redis)
            lk_local_limiter_evaluate(run->table, &plan, lk_local_limiter_now(), &decision);
        else if (lk_redis_limiter_evaluate(context, script_sha, &plan, &decision, error, sizeof(error)) !=
                 LK_REDIS_LIMITER_OK)
            run->failures++;
        run->decisions++;
    }
    if (context != NULL)
        redisFree(context);
    return NULL;
}

/* Runs `threads` threads and prints decisions per second and the time of one decision. */
static int measure(const char *label, size_t rule_count, bool in_redis, int threads)
{
    lk_local_limiter_t *table = lk_local_limiter_create(LK_LOCAL_LIMITER_ENTRIES);
    run_t runs[THREADS];
    pthread_t ids[THREADS];
    double start = now_seconds();

    for (int i = 0; i < threads; i++) {
        runs[i] = (run_t){.rule_count = rule_count, .in_redis = in_redis, .table = table};
        pthread_create(&ids[i], NULL, run_decisions, &runs[i]);
    }
    long decisions = 0;
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        decisions += runs[i].decisions;
        failures += runs[i].failures;
    }
    double elapsed = now_seconds() - start;
    lk_local_limiter_destroy(table);

    printf("%-48s %9.0f decisions/s, %8.2f us per decision per thread%s\n", label,
           (double)decisions / elapsed, elapsed * 1e6 * threads / (double)decisions,
           failures > 0 ? " (FAILURES)" : "");
    return failures;
}

int main(int argc, char **argv)
{
    if (argc != 4 || sodium_init() < 0) {
        fprintf(stderr, "usage: limiter_cost REDIS_URL ITERATIONS SECONDS\n");
        return 2;
    }
    redis_url = argv[1];
    iterations = strtol(argv[2], NULL, 10);
    seconds_limit = strtod(argv[3], NULL);
    randombytes_buf(hash_key, sizeof(hash_key));
    if (lk_redis_limiter_script_sha(script_sha) != 0)
        return 1;

    int failures = 0;
    failures += measure("Redis, login class (3 rules), 1 thread", 3, true, 1);
    failures += measure("Redis, one-rule class, 1 thread", 1, true, 1);
    failures += measure("Redis, login class (3 rules), 4 threads", 3, true, THREADS);
    failures += measure("in memory, login class (3 rules), 1 thread", 3, false, 1);
    failures += measure("in memory, one-rule class, 1 thread", 1, false, 1);
    failures += measure("in memory, one-rule class, 4 threads", 1, false, THREADS);
    return failures > 0 ? 1 : 0;
}
