/* Unit tests for the rotation timing rules of src/keys/rotation_plan.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keys/rotation_plan.h"

#define PERIOD 100
#define DELAY 10

/* Builds a record with only the fields the planner reads. */
static lk_signing_key_record_t key(const char *kid, lk_key_state_t state, lk_jwt_alg_t alg,
                                   int64_t activated_at, int64_t activate_after,
                                   int64_t remove_after)
{
    lk_signing_key_record_t record;
    memset(&record, 0, sizeof record);
    strcpy(record.kid, kid);
    record.state = state;
    record.alg = alg;
    record.activated_at = activated_at;
    record.activate_after = activate_after;
    record.remove_after = remove_after;
    return record;
}

static lk_rotation_plan_t plan_for(const lk_signing_key_record_t *records, size_t count,
                                   double now, int64_t period)
{
    lk_rotation_plan_t plan;
    lk_rotation_plan_make(records, count, now, period, DELAY, &plan);
    return plan;
}

static void no_keys_creates_active_key(void **state)
{
    (void)state;
    lk_rotation_plan_t plan = plan_for(NULL, 0, 1000, PERIOD);

    assert_int_equal(plan.create, LK_CREATE_ACTIVE);
    assert_int_equal(plan.alg, LK_ALG_ES256);
    assert_string_equal(plan.expected_active, "");
    assert_false(plan.run_due);
}

static void no_keys_with_rotation_off(void **state)
{
    (void)state;
    lk_rotation_plan_t plan = plan_for(NULL, 0, 1000, 0);

    assert_int_equal(plan.create, LK_CREATE_NONE);
    assert_false(plan.run_due);
    assert_true(plan.next_due == 0);
}

static void successor_waits_until_period_minus_delay(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0)};
    lk_rotation_plan_t plan = plan_for(records, 1, 1089.5, PERIOD);

    assert_int_equal(plan.create, LK_CREATE_NONE);
    assert_true(plan.next_due == 1090);
}

static void successor_created_with_active_algorithm(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {key("a", LK_KEY_ACTIVE, LK_ALG_RS256, 1000, 0, 0)};
    lk_rotation_plan_t plan = plan_for(records, 1, 1090, PERIOD);

    assert_int_equal(plan.create, LK_CREATE_SCHEDULED);
    assert_int_equal(plan.alg, LK_ALG_RS256);
    assert_string_equal(plan.expected_active, "a");
    assert_int_equal(plan.not_before, 1100);
}

static void late_successor_keeps_period_as_floor(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0)};
    lk_rotation_plan_t plan = plan_for(records, 1, 5000, PERIOD);

    /* The store activates at max(now + delay, not_before), so a late pass still waits
     * one pre-publication delay. */
    assert_int_equal(plan.create, LK_CREATE_SCHEDULED);
    assert_int_equal(plan.not_before, 1100);
}

static void scheduled_successor_blocks_creation(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {
        key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0),
        key("b", LK_KEY_PENDING, LK_ALG_ES256, 0, 1100, 0),
    };
    lk_rotation_plan_t plan = plan_for(records, 2, 1095, PERIOD);

    assert_int_equal(plan.create, LK_CREATE_NONE);
    assert_false(plan.run_due);
    assert_true(plan.next_due == 1100);
}

static void scheduled_activation_due(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {
        key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0),
        key("b", LK_KEY_PENDING, LK_ALG_ES256, 0, 1100, 0),
    };

    assert_true(plan_for(records, 2, 1100, PERIOD).run_due);
    assert_true(plan_for(records, 2, 1100, 0).run_due);
}

static void unscheduled_pending_ignored(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {
        key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0),
        key("manual", LK_KEY_PENDING, LK_ALG_ES256, 0, 0, 0),
    };
    lk_rotation_plan_t plan = plan_for(records, 2, 1090, PERIOD);

    assert_false(plan.run_due);
    assert_int_equal(plan.create, LK_CREATE_SCHEDULED);
}

static void no_active_waits_for_scheduled_key(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {key("b", LK_KEY_PENDING, LK_ALG_ES256, 0, 1100, 0)};
    lk_rotation_plan_t plan = plan_for(records, 1, 1050, PERIOD);

    assert_int_equal(plan.create, LK_CREATE_NONE);
    assert_true(plan.next_due == 1100);
}

static void removal_due_even_with_rotation_off(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {
        key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0),
        key("old", LK_KEY_RETIRED, LK_ALG_ES256, 500, 0, 1000),
    };
    lk_rotation_plan_t plan = plan_for(records, 2, 1000, 0);

    assert_true(plan.run_due);
    assert_int_equal(plan.create, LK_CREATE_NONE);
}

static void next_due_is_earliest_change(void **state)
{
    (void)state;
    lk_signing_key_record_t records[] = {
        key("a", LK_KEY_ACTIVE, LK_ALG_ES256, 1000, 0, 0),
        key("old", LK_KEY_RETIRED, LK_ALG_ES256, 500, 0, 1070),
        key("older", LK_KEY_RETIRED, LK_ALG_ES256, 400, 0, 1060),
        key("gone", LK_KEY_REMOVED, LK_ALG_ES256, 300, 0, 0),
        key("bad", LK_KEY_REVOKED, LK_ALG_ES256, 200, 0, 0),
    };
    lk_rotation_plan_t plan = plan_for(records, 5, 1050, PERIOD);

    assert_false(plan.run_due);
    assert_true(plan.next_due == 1060);
}

static void retire_window_adds_ttl_reload_leeway(void **state)
{
    (void)state;
    lk_config_t config;
    memset(&config, 0, sizeof config);
    config.access_token_ttl = 900;
    config.key_reload_interval = 30;
    config.key_retire_leeway = 300;

    assert_int_equal(lk_key_retire_window(&config), 1230);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_keys_creates_active_key),
        cmocka_unit_test(no_keys_with_rotation_off),
        cmocka_unit_test(successor_waits_until_period_minus_delay),
        cmocka_unit_test(successor_created_with_active_algorithm),
        cmocka_unit_test(late_successor_keeps_period_as_floor),
        cmocka_unit_test(scheduled_successor_blocks_creation),
        cmocka_unit_test(scheduled_activation_due),
        cmocka_unit_test(unscheduled_pending_ignored),
        cmocka_unit_test(no_active_waits_for_scheduled_key),
        cmocka_unit_test(removal_due_even_with_rotation_off),
        cmocka_unit_test(next_due_is_earliest_change),
        cmocka_unit_test(retire_window_adds_ttl_reload_leeway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
