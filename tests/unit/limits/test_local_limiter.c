/* Tests for the in-memory limiter: multi-rule atomicity, known addresses, threads, eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "limits/local_limiter.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define SECOND 1000000LL
#define NOW (1000 * SECOND)

static const unsigned char hash_key[LK_LIMIT_HASH_KEY_BYTES] = {1, 2, 3};

static const lk_limit_rule_t per_address = {
    .policy = "test-ip", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_ADDRESS,
    .count = 3, .period_ms = 60000};
static const lk_limit_rule_t failures = {
    .policy = "test-failures", .algorithm = LK_LIMIT_BACKOFF,
    .scope = LK_LIMIT_PER_SUBJECT_AND_ADDRESS, .count = 2, .period_ms = 60000,
    .backoff_max_ms = 600000};
static const lk_limit_rule_t per_account = {
    .policy = "test-account", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_SUBJECT,
    .count = 4, .period_ms = 60000, .skip_known = true, .shared = true};

static lk_limit_query_t query_for(const char *subject, unsigned char address_byte)
{
    lk_limit_query_t query = {.address = {4, 192, 0, 2, address_byte}, .address_length = 5};
    snprintf(query.subject, sizeof(query.subject), "%s", subject);
    return query;
}

/* A plan of the three test rules for `query`. */
static lk_limit_plan_t plan_for(const lk_limit_query_t *query)
{
    lk_limit_plan_t plan = {.rules = {&per_address, &failures, &per_account}, .rule_count = 3,
                            .has_known_key = true};
    for (size_t i = 0; i < plan.rule_count; i++)
        lk_limit_key_derive(hash_key, plan.rules[i]->policy, plan.rules[i]->scope, query,
                            &plan.keys[i]);
    lk_limit_key_derive(hash_key, "test-known", LK_LIMIT_PER_SUBJECT_AND_ADDRESS, query,
                        &plan.known_key);
    return plan;
}

static lk_limit_outcome_t attempt(lk_local_limiter_t *limiter, const lk_limit_query_t *query,
                                  int64_t now, lk_limit_decision_t *decision)
{
    lk_limit_plan_t plan = plan_for(query);
    lk_local_limiter_evaluate(limiter, &plan, now, decision);
    return decision->outcome;
}

static void rejected_request_charges_no_rule(void **state)
{
    (void)state;
    lk_local_limiter_t *limiter = lk_local_limiter_create(1024);
    lk_limit_query_t query = query_for("ada@example.com", 1);
    lk_limit_decision_t decision;

    assert_int_equal(attempt(limiter, &query, NOW, &decision), LK_LIMIT_ADMITTED);
    assert_int_equal(attempt(limiter, &query, NOW, &decision), LK_LIMIT_ADMITTED);
    assert_int_equal(attempt(limiter, &query, NOW, &decision), LK_LIMIT_REJECTED);
    assert_true(decision.rules[1].rejected);
    assert_false(decision.rules[0].rejected);
    assert_int_equal(decision.rules[0].remaining, 1);
    assert_int_equal(decision.retry_after_ms, 60000);

    /* The address still has one request left because the rejected one was not counted. */
    lk_limit_query_t other_account = query_for("grace@example.com", 1);
    assert_int_equal(attempt(limiter, &other_account, NOW, &decision), LK_LIMIT_ADMITTED);
    assert_int_equal(decision.rules[0].remaining, 0);
    assert_int_equal(attempt(limiter, &other_account, NOW, &decision), LK_LIMIT_REJECTED);
    assert_true(decision.rules[0].rejected);
    lk_local_limiter_destroy(limiter);
}

static void success_resets_backoff_and_marks_known(void **state)
{
    (void)state;
    lk_local_limiter_t *limiter = lk_local_limiter_create(1024);
    lk_limit_query_t query = query_for("ada@example.com", 1);
    lk_limit_plan_t plan = plan_for(&query);
    lk_limit_decision_t decision;

    assert_int_equal(attempt(limiter, &query, NOW, &decision), LK_LIMIT_ADMITTED);
    assert_true(decision.rules[2].applied);
    lk_local_limiter_record_success(limiter, &plan.keys[1], &plan.known_key, 60 * SECOND, NOW);

    assert_int_equal(attempt(limiter, &query, NOW + 1, &decision), LK_LIMIT_ADMITTED);
    assert_int_equal(decision.rules[1].remaining, 1);
    assert_false(decision.rules[2].applied);

    /* The mark expires with its time to live. */
    assert_int_equal(attempt(limiter, &query, NOW + 61 * SECOND, &decision), LK_LIMIT_ADMITTED);
    assert_true(decision.rules[2].applied);
    lk_local_limiter_destroy(limiter);
}

/* Many addresses exhaust the account rule, but a known address is not held back by it. */
static void known_address_skips_account_rule(void **state)
{
    (void)state;
    lk_local_limiter_t *limiter = lk_local_limiter_create(1024);
    lk_limit_query_t owner = query_for("ada@example.com", 200);
    lk_limit_plan_t owner_plan = plan_for(&owner);
    lk_limit_decision_t decision;

    lk_local_limiter_record_success(limiter, &owner_plan.keys[1], &owner_plan.known_key,
                                    3600 * SECOND, NOW);
    for (unsigned char address = 1; address <= 4; address++) {
        lk_limit_query_t attacker = query_for("ada@example.com", address);
        assert_int_equal(attempt(limiter, &attacker, NOW, &decision), LK_LIMIT_ADMITTED);
    }
    lk_limit_query_t fifth = query_for("ada@example.com", 5);
    assert_int_equal(attempt(limiter, &fifth, NOW, &decision), LK_LIMIT_REJECTED);
    assert_true(decision.rules[2].rejected);
    assert_int_equal(decision.retry_after_ms, 15000);

    assert_int_equal(attempt(limiter, &owner, NOW, &decision), LK_LIMIT_ADMITTED);
    lk_local_limiter_destroy(limiter);
}

typedef struct burst {
    lk_local_limiter_t *limiter;
    atomic_int admitted;
} burst_t;

static void *run_burst(void *argument)
{
    burst_t *burst = argument;
    lk_limit_query_t query = query_for("ada@example.com", 9);
    for (int i = 0; i < 500; i++) {
        lk_limit_decision_t decision;
        if (attempt(burst->limiter, &query, NOW, &decision) == LK_LIMIT_ADMITTED)
            atomic_fetch_add(&burst->admitted, 1);
    }
    return NULL;
}

static void parallel_burst_is_exact(void **state)
{
    (void)state;
    burst_t burst = {.limiter = lk_local_limiter_create(1024)};
    pthread_t threads[8];

    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, run_burst, &burst), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&burst.admitted), 2);
    lk_local_limiter_destroy(burst.limiter);
}

/* A full table overwrites the entry that expires first instead of failing. */
static void full_table_evicts_earliest_expiry(void **state)
{
    (void)state;
    lk_local_limiter_t *limiter = lk_local_limiter_create(64);
    lk_limit_decision_t decision;
    int admitted = 0;

    for (int i = 0; i < 5000; i++) {
        char subject[32];
        snprintf(subject, sizeof(subject), "user-%d", i);
        lk_limit_query_t query = query_for(subject, (unsigned char)(i % 250));
        admitted += attempt(limiter, &query, NOW + i, &decision) == LK_LIMIT_ADMITTED;
    }
    assert_true(admitted > 0);
    lk_local_limiter_destroy(limiter);
}

static void now_is_monotonic(void **state)
{
    (void)state;
    int64_t first = lk_local_limiter_now();
    int64_t second = lk_local_limiter_now();
    assert_true(first > 0);
    assert_true(second >= first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rejected_request_charges_no_rule),
        cmocka_unit_test(success_resets_backoff_and_marks_known),
        cmocka_unit_test(known_address_skips_account_rule),
        cmocka_unit_test(parallel_burst_is_exact),
        cmocka_unit_test(full_table_evicts_earliest_expiry),
        cmocka_unit_test(now_is_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
