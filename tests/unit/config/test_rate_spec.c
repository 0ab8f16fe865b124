/* Tests for COUNT/PERIOD rate limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config/rate_spec.h"

#include <string.h>

typedef struct valid_case {
    const char *text;
    int64_t count;
    int64_t period_seconds;
} valid_case_t;

static void parse_valid_rates(void **state)
{
    (void)state;
    static const valid_case_t cases[] = {
        {"5/15m", 5, 900},
        {"20/60", 20, 60},
        {"20/60s", 20, 60},
        {"3/1h", 3, 3600},
        {"1/1d", 1, 86400},
        {"1000000/7d", 1000000, 604800},
        {"100/604800", 100, 604800},
        {"1/1", 1, 1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_rate_t rate = {0, 0};
        char problem[256] = "";
        print_message("case: %s\n", cases[i].text);
        assert_int_equal(lk_rate_parse(cases[i].text, &rate, problem, sizeof problem), 0);
        assert_int_equal(rate.count, cases[i].count);
        assert_int_equal(rate.period_seconds, cases[i].period_seconds);
    }
}

static void reject_invalid_rates(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "", "5", "5/", "/15m", "0/1m", "5/0", "5/0m", "1000001/1m", "5/8d", "5/604801",
        "5/15x", "5/15mm", " 5/15m", "5/15m ", "5 /15m", "5/ 15m", "-5/15m", "5/-15m",
        "+5/15m", "5.0/15m", "5/1.5m", "1234567890/1m", "5/15M", "5//15m", "5/15m/1",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_rate_t rate = {7, 7};
        char problem[256] = "";
        print_message("case: \"%s\"\n", cases[i]);
        assert_int_equal(lk_rate_parse(cases[i], &rate, problem, sizeof problem), -1);
        assert_non_null(strstr(problem, "expected COUNT/PERIOD such as 5/15m"));
        assert_int_equal(rate.count, 7);
        assert_int_equal(lk_rate_check(cases[i], problem, sizeof problem), -1);
    }
}

static void reject_null_text(void **state)
{
    (void)state;
    lk_rate_t rate;
    char problem[256] = "";
    assert_int_equal(lk_rate_parse(NULL, &rate, problem, sizeof problem), -1);
    assert_true(problem[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid_rates),
        cmocka_unit_test(reject_invalid_rates),
        cmocka_unit_test(reject_null_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
