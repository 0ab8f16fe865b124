/* Tests for the GCRA and back-off algorithms with a simulated clock (microseconds). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "limits/limit_algorithms.h"

#define SECOND 1000000LL
#define MINUTE (60 * SECOND)

/* Sends one request at `now` through a GCRA rule and stores the state when admitted. */
static lk_limit_step_t gcra(lk_limit_state_t *state, int64_t now, int64_t count, int64_t period)
{
    lk_limit_step_t step;
    lk_gcra_evaluate(state, now, count, period, &step);
    if (step.admitted)
        *state = step.next;
    return step;
}

static lk_limit_step_t backoff(lk_limit_state_t *state, int64_t now, int64_t count,
                               int64_t period, int64_t max)
{
    lk_limit_step_t step;
    lk_backoff_evaluate(state, now, count, period, max, &step);
    if (step.admitted)
        *state = step.next;
    return step;
}

static void gcra_admits_burst_of_count(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;

    for (int i = 0; i < 20; i++) {
        lk_limit_step_t step = gcra(&rule, now, 20, MINUTE);
        assert_true(step.admitted);
        assert_int_equal(step.remaining, 19 - i);
    }
    lk_limit_step_t rejected = gcra(&rule, now, 20, MINUTE);
    assert_false(rejected.admitted);
    assert_int_equal(rejected.remaining, 0);
    assert_int_equal(rejected.reset_us, 3 * SECOND);
}

static void gcra_refills_one_per_interval(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;

    for (int i = 0; i < 5; i++)
        assert_true(gcra(&rule, now, 5, 15 * MINUTE).admitted);
    assert_false(gcra(&rule, now + 3 * MINUTE - 1, 5, 15 * MINUTE).admitted);
    lk_limit_step_t refilled = gcra(&rule, now + 3 * MINUTE, 5, 15 * MINUTE);
    assert_true(refilled.admitted);
    assert_int_equal(refilled.remaining, 0);
    assert_false(gcra(&rule, now + 3 * MINUTE, 5, 15 * MINUTE).admitted);
}

static void gcra_forgets_after_full_period(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;

    for (int i = 0; i < 3; i++)
        assert_true(gcra(&rule, now, 3, 30 * SECOND).admitted);
    assert_int_equal(rule.expires_at, now + 30 * SECOND);
    lk_limit_step_t later = gcra(&rule, now + 30 * SECOND, 3, 30 * SECOND);
    assert_true(later.admitted);
    assert_int_equal(later.remaining, 2);
}

/* The reset of an admitted request is the time until one more request fits. */
static void gcra_reset_counts_to_next_unit(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;

    lk_limit_step_t first = gcra(&rule, now, 4, 40 * SECOND);
    assert_int_equal(first.remaining, 3);
    assert_int_equal(first.reset_us, 10 * SECOND);
    lk_limit_step_t second = gcra(&rule, now + 4 * SECOND, 4, 40 * SECOND);
    assert_int_equal(second.remaining, 2);
    assert_int_equal(second.reset_us, 6 * SECOND);
}

/* A count that does not divide the period never admits more than count in a burst. */
static void gcra_burst_exact_with_remainder(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;
    int admitted = 0;

    for (int i = 0; i < 700000; i++)
        admitted += gcra(&rule, now, 300000, SECOND).admitted;
    assert_int_equal(admitted, 300000);
}

static void backoff_admits_count_then_waits(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;
    int64_t period = 15 * MINUTE;

    for (int i = 0; i < 5; i++) {
        lk_limit_step_t step = backoff(&rule, now + i, 5, period, 60 * MINUTE);
        assert_true(step.admitted);
        assert_int_equal(step.remaining, 4 - i);
    }
    lk_limit_step_t rejected = backoff(&rule, now + 10, 5, period, 60 * MINUTE);
    assert_false(rejected.admitted);
    assert_int_equal(rejected.reset_us, period - 6);
}

static void backoff_doubles_up_to_maximum(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;
    int64_t period = 15 * MINUTE;
    int64_t expected_waits[] = {15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 60 * MINUTE};

    for (int i = 0; i < 4; i++)
        assert_true(backoff(&rule, now, 5, period, 60 * MINUTE).admitted);
    for (int i = 0; i < 4; i++) {
        lk_limit_step_t step = backoff(&rule, now, 5, period, 60 * MINUTE);
        assert_true(step.admitted);
        assert_int_equal(step.reset_us, expected_waits[i]);
        assert_false(backoff(&rule, now + expected_waits[i] - 1, 5, period, 60 * MINUTE).admitted);
        now += expected_waits[i];
    }
}

static void backoff_forgets_after_quiet_period(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;
    int64_t period = 15 * MINUTE;

    for (int i = 0; i < 5; i++)
        assert_true(backoff(&rule, now, 5, period, 60 * MINUTE).admitted);
    assert_int_equal(rule.expires_at, now + 2 * period);
    lk_limit_step_t fresh = backoff(&rule, now + 2 * period, 5, period, 60 * MINUTE);
    assert_true(fresh.admitted);
    assert_int_equal(fresh.remaining, 4);
}

/* Below the count, the window runs from the first attempt, not the latest. */
static void backoff_window_starts_at_first_attempt(void **state)
{
    (void)state;
    lk_limit_state_t rule = {0, 0, 0};
    int64_t now = 1000 * SECOND;
    int64_t period = 15 * MINUTE;

    assert_true(backoff(&rule, now, 5, period, 60 * MINUTE).admitted);
    lk_limit_step_t later = backoff(&rule, now + 10 * MINUTE, 5, period, 60 * MINUTE);
    assert_int_equal(later.reset_us, 5 * MINUTE);
    assert_int_equal(rule.expires_at, now + period);
}

static void backoff_huge_counts_stay_capped(void **state)
{
    (void)state;
    lk_limit_state_t rule = {.value = 1000000, .until = 0, .expires_at = INT64_MAX / 2};
    lk_limit_step_t step = backoff(&rule, 1000 * SECOND, 5, 7 * 24 * 60 * MINUTE, 24 * 60 * MINUTE);
    assert_true(step.admitted);
    assert_int_equal(step.reset_us, 24 * 60 * MINUTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gcra_admits_burst_of_count),
        cmocka_unit_test(gcra_refills_one_per_interval),
        cmocka_unit_test(gcra_forgets_after_full_period),
        cmocka_unit_test(gcra_reset_counts_to_next_unit),
        cmocka_unit_test(gcra_burst_exact_with_remainder),
        cmocka_unit_test(backoff_admits_count_then_waits),
        cmocka_unit_test(backoff_doubles_up_to_maximum),
        cmocka_unit_test(backoff_forgets_after_quiet_period),
        cmocka_unit_test(backoff_window_starts_at_first_attempt),
        cmocka_unit_test(backoff_huge_counts_stay_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
