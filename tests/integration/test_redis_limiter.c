/* Checks the Lua script of the Redis limiter against the suite's Redis: the same answers as
 * the in-memory limiter, atomic bursts from many threads, SCRIPT LOAD after a flush, and the
 * MULTI/EXEC that records a success. Every key it writes lives under a random prefix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "limits/local_limiter.h"
#include "limits/redis_limiter.h"
#include "store/redis_client.h"
#include "support/http_client.h"

enum { BURST_THREADS = 8, BURST_REQUESTS_PER_THREAD = 50 };

static unsigned char hash_key[LK_LIMIT_HASH_KEY_BYTES];
static char script_sha[LK_REDIS_SCRIPT_SHA_SIZE];

static const lk_limit_rule_t per_address = {
    .policy = "itest-ip", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_ADDRESS,
    .count = 20, .period_ms = 60000};
static const lk_limit_rule_t failures = {
    .policy = "itest-failures", .algorithm = LK_LIMIT_BACKOFF,
    .scope = LK_LIMIT_PER_SUBJECT_AND_ADDRESS, .count = 5, .period_ms = 900000,
    .backoff_max_ms = 3600000};
static const lk_limit_rule_t per_account = {
    .policy = "itest-account", .algorithm = LK_LIMIT_GCRA, .scope = LK_LIMIT_PER_SUBJECT,
    .count = 7, .period_ms = 900000, .skip_known = true, .shared = true};

static redisContext *connect_redis(void)
{
    char error[256];
    redisContext *context = lk_redis_connect(lk_test_env("LK_TEST_REDIS_URL"), error, sizeof(error));
    if (context == NULL) {
        fail_msg("connecting to Redis failed: %s", error);
    }
    return context;
}

static int setup(void **state)
{
    (void)state;
    /* A fresh hash key per run keeps these keys apart from earlier runs and from the server. */
    if (sodium_init() < 0) {
        return -1;
    }
    randombytes_buf(hash_key, sizeof(hash_key));
    return lk_redis_limiter_script_sha(script_sha) == 0 ? 0 : -1;
}

static lk_limit_query_t query_for(const char *subject, unsigned char address_byte)
{
    lk_limit_query_t query = {.address = {4, 203, 0, 113, address_byte}, .address_length = 5};
    snprintf(query.subject, sizeof(query.subject), "%s", subject);
    return query;
}

static lk_limit_plan_t plan_for(const lk_limit_query_t *query)
{
    lk_limit_plan_t plan = {.rules = {&per_address, &failures, &per_account}, .rule_count = 3,
                            .has_known_key = true};
    for (size_t i = 0; i < plan.rule_count; i++) {
        lk_limit_key_derive(hash_key, plan.rules[i]->policy, plan.rules[i]->scope, query, &plan.keys[i]);
    }
    lk_limit_key_derive(hash_key, "itest-known", LK_LIMIT_PER_SUBJECT_AND_ADDRESS, query, &plan.known_key);
    return plan;
}

static void evaluate_in_redis(redisContext *context, const lk_limit_plan_t *plan, lk_limit_decision_t *decision)
{
    char error[256] = "";
    lk_redis_limiter_result_t result = lk_redis_limiter_evaluate(context, script_sha, plan, decision, error, sizeof(error));
    if (result != LK_REDIS_LIMITER_OK) {
        fail_msg("the limiter script failed: %s", error);
    }
}

/* A burst within a few milliseconds gets the same answers from Redis and from memory. */
static void script_matches_in_memory_limiter(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_local_limiter_t *table = lk_local_limiter_create(1024);
    lk_limit_query_t query = query_for("parity@example.test", 1);
    lk_limit_plan_t plan = plan_for(&query);

    for (int i = 0; i < 8; i++) {
        lk_limit_decision_t in_redis;
        lk_limit_decision_t in_memory;
        evaluate_in_redis(context, &plan, &in_redis);
        lk_local_limiter_evaluate(table, &plan, lk_local_limiter_now(), &in_memory);

        print_message("request %d: redis outcome %d, memory outcome %d\n", i, in_redis.outcome, in_memory.outcome);
        assert_int_equal(in_redis.outcome, in_memory.outcome);
        assert_int_equal(in_redis.rule_count, 3);
        for (size_t rule = 0; rule < 3; rule++) {
            assert_int_equal(in_redis.rules[rule].applied, in_memory.rules[rule].applied);
            assert_int_equal(in_redis.rules[rule].rejected, in_memory.rules[rule].rejected);
            assert_int_equal(in_redis.rules[rule].remaining, in_memory.rules[rule].remaining);
            assert_true(llabs(in_redis.rules[rule].reset_ms - in_memory.rules[rule].reset_ms) <= 1000);
        }
    }
    lk_local_limiter_destroy(table);
    redisFree(context);
}

static void backoff_rejects_after_count(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_limit_query_t query = query_for("backoff@example.test", 2);
    lk_limit_plan_t plan = plan_for(&query);
    lk_limit_decision_t decision;

    for (int i = 0; i < 5; i++) {
        evaluate_in_redis(context, &plan, &decision);
        assert_int_equal(decision.outcome, LK_LIMIT_ADMITTED);
        assert_int_equal(decision.rules[1].remaining, 4 - i);
    }
    evaluate_in_redis(context, &plan, &decision);
    assert_int_equal(decision.outcome, LK_LIMIT_REJECTED);
    assert_true(decision.rules[1].rejected);
    assert_true(decision.retry_after_ms > 899000);
    assert_true(decision.retry_after_ms <= 900000);
    /* The address rule was not charged for the rejected request. */
    assert_int_equal(decision.rules[0].remaining, 15);
    redisFree(context);
}

static void success_resets_and_marks_known(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_limit_query_t query = query_for("success@example.test", 3);
    lk_limit_plan_t plan = plan_for(&query);
    lk_limit_decision_t decision;
    char error[256] = "";

    for (int i = 0; i < 5; i++) {
        evaluate_in_redis(context, &plan, &decision);
    }
    assert_int_equal(lk_redis_limiter_record_success(context, &plan.keys[1], &plan.known_key, 60000, error, sizeof(error)),
                     LK_REDIS_LIMITER_OK);
    evaluate_in_redis(context, &plan, &decision);
    assert_int_equal(decision.outcome, LK_LIMIT_ADMITTED);
    assert_int_equal(decision.rules[1].remaining, 4);
    assert_false(decision.rules[2].applied);

    redisReply *reply = redisCommand(context, "PTTL %s", plan.known_key.redis);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_true(reply->integer > 59000 && reply->integer <= 60000);
    freeReplyObject(reply);
    redisFree(context);
}

/* Seven addresses use up the account rule; an eighth is rejected, a known one is not. */
static void account_rule_spares_known_address(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_limit_query_t owner = query_for("owner@example.test", 100);
    lk_limit_plan_t owner_plan = plan_for(&owner);
    lk_limit_decision_t decision;
    char error[256];

    assert_int_equal(lk_redis_limiter_record_success(context, &owner_plan.keys[1], &owner_plan.known_key, 60000, error, sizeof(error)),
                     LK_REDIS_LIMITER_OK);
    for (unsigned char address = 1; address <= 7; address++) {
        lk_limit_query_t attacker = query_for("owner@example.test", address);
        lk_limit_plan_t plan = plan_for(&attacker);
        evaluate_in_redis(context, &plan, &decision);
        assert_int_equal(decision.outcome, LK_LIMIT_ADMITTED);
    }
    lk_limit_query_t eighth = query_for("owner@example.test", 8);
    lk_limit_plan_t eighth_plan = plan_for(&eighth);
    evaluate_in_redis(context, &eighth_plan, &decision);
    assert_int_equal(decision.outcome, LK_LIMIT_REJECTED);
    assert_true(decision.rules[2].rejected);

    evaluate_in_redis(context, &owner_plan, &decision);
    assert_int_equal(decision.outcome, LK_LIMIT_ADMITTED);
    assert_false(decision.rules[2].applied);
    redisFree(context);
}

typedef struct burst {
    atomic_int admitted;
    atomic_int failed;
} burst_t;

static void *run_burst(void *argument)
{
    burst_t *burst = argument;
    char error[256];
    redisContext *context = lk_redis_connect(getenv("LK_TEST_REDIS_URL"), error, sizeof(error));
    lk_limit_query_t query = query_for("burst@example.test", 4);
    lk_limit_plan_t plan = plan_for(&query);

    for (int i = 0; i < BURST_REQUESTS_PER_THREAD && context != NULL; i++) {
        lk_limit_decision_t decision;
        if (lk_redis_limiter_evaluate(context, script_sha, &plan, &decision, error, sizeof(error)) != LK_REDIS_LIMITER_OK) {
            atomic_fetch_add(&burst->failed, 1);
        } else if (decision.outcome == LK_LIMIT_ADMITTED) {
            atomic_fetch_add(&burst->admitted, 1);
        }
    }
    if (context == NULL) {
        atomic_fetch_add(&burst->failed, 1);
    }
    redisFree(context);
    return NULL;
}

static void parallel_burst_is_exact(void **state)
{
    (void)state;
    burst_t burst = {0};
    pthread_t threads[BURST_THREADS];

    for (int i = 0; i < BURST_THREADS; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, run_burst, &burst), 0);
    }
    for (int i = 0; i < BURST_THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    assert_int_equal(atomic_load(&burst.failed), 0);
    assert_int_equal(atomic_load(&burst.admitted), 5);
}

/* After SCRIPT FLUSH (as after a Redis restart), EVALSHA fails with NOSCRIPT and the
 * limiter loads the script again by itself. */
static void script_reloaded_after_flush(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_limit_query_t query = query_for("flush@example.test", 5);
    lk_limit_plan_t plan = plan_for(&query);
    lk_limit_decision_t decision;

    redisReply *reply = redisCommand(context, "SCRIPT FLUSH");
    assert_non_null(reply);
    freeReplyObject(reply);
    evaluate_in_redis(context, &plan, &decision);
    assert_int_equal(decision.outcome, LK_LIMIT_ADMITTED);

    reply = redisCommand(context, "SCRIPT EXISTS %s", script_sha);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[0]->integer, 1);
    freeReplyObject(reply);
    redisFree(context);
}

static void dead_connection_reported(void **state)
{
    (void)state;
    redisContext *context = connect_redis();
    lk_limit_query_t query = query_for("dead@example.test", 6);
    lk_limit_plan_t plan = plan_for(&query);
    lk_limit_decision_t decision;
    char error[256] = "";

    /* Closing the socket under hiredis makes the next command fail like a lost server. */
    close(context->fd);
    assert_int_equal(lk_redis_limiter_evaluate(context, script_sha, &plan, &decision, error, sizeof(error)),
                     LK_REDIS_LIMITER_CONNECTION_FAILED);
    assert_non_null(strstr(error, "EVALSHA failed"));
    context->fd = -1;
    redisFree(context);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(script_matches_in_memory_limiter),
        cmocka_unit_test(backoff_rejects_after_count),
        cmocka_unit_test(success_resets_and_marks_known),
        cmocka_unit_test(account_rule_spares_known_address),
        cmocka_unit_test(parallel_burst_is_exact),
        cmocka_unit_test(script_reloaded_after_flush),
        cmocka_unit_test(dead_connection_reported),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
