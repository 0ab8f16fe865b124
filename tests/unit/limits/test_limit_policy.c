/* Tests for building the limit classes from the configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "limits/limit_policy.h"

#include <string.h>

typedef struct fake_environment {
    const char *names[4];
    const char *values[4];
    size_t count;
} fake_environment_t;

static const char *fake_lookup(const char *name, void *context)
{
    const fake_environment_t *environment = context;
    for (size_t i = 0; i < environment->count; i++) {
        if (strcmp(environment->names[i], name) == 0)
            return environment->values[i];
    }
    return NULL;
}

static void load_policies(fake_environment_t *environment, lk_limit_policies_t *policies)
{
    lk_config_t config;
    char error[512];
    assert_int_equal(lk_config_load(&config, 0, fake_lookup, environment, error, sizeof error), 0);
    assert_int_equal(lk_limit_policies_load(&config, policies, error, sizeof error), 0);
    lk_config_dispose(&config);
}

static void assert_rule(const lk_limit_rule_t *rule, const char *policy,
                        lk_limit_algorithm_t algorithm, lk_limit_scope_t scope, int64_t count,
                        int64_t period_ms)
{
    assert_string_equal(rule->policy, policy);
    assert_int_equal(rule->algorithm, algorithm);
    assert_int_equal(rule->scope, scope);
    assert_int_equal(rule->count, count);
    assert_int_equal(rule->period_ms, period_ms);
}

static void login_rules_from_defaults(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_limit_policies_t policies;
    load_policies(&environment, &policies);
    const lk_limit_class_rules_t *login = &policies.classes[LK_LIMIT_LOGIN];

    assert_string_equal(login->name, "login");
    assert_false(login->in_memory);
    assert_string_equal(login->known_policy, "login-known");
    assert_int_equal(login->rule_count, 3);
    assert_rule(&login->rules[0], "login-ip", LK_LIMIT_GCRA, LK_LIMIT_PER_ADDRESS, 20, 60000);
    assert_rule(&login->rules[1], "login-failures", LK_LIMIT_BACKOFF,
                LK_LIMIT_PER_SUBJECT_AND_ADDRESS, 5, 900000);
    assert_int_equal(login->rules[1].backoff_max_ms, 3600000);
    assert_rule(&login->rules[2], "login-account", LK_LIMIT_GCRA, LK_LIMIT_PER_SUBJECT, 100,
                900000);
    assert_true(login->rules[2].skip_known);
    assert_true(login->rules[2].shared);
    assert_false(login->rules[0].shared);
    assert_true(lk_limit_class_has_backoff(login));
    assert_int_equal(policies.known_address_ttl_ms, 2592000000LL);
}

static void password_change_uses_login_rates(void **state)
{
    (void)state;
    fake_environment_t environment = {.names = {"LATCHKEY_RATE_LIMIT_LOGIN_FAILURES"},
                                      .values = {"3/10m"}, .count = 1};
    lk_limit_policies_t policies;
    load_policies(&environment, &policies);
    const lk_limit_class_rules_t *change = &policies.classes[LK_LIMIT_PASSWORD_CHANGE];

    assert_string_equal(change->known_policy, "password-known");
    assert_rule(&change->rules[1], "password-failures", LK_LIMIT_BACKOFF,
                LK_LIMIT_PER_SUBJECT_AND_ADDRESS, 3, 600000);
    assert_rule(&policies.classes[LK_LIMIT_LOGIN].rules[1], "login-failures", LK_LIMIT_BACKOFF,
                LK_LIMIT_PER_SUBJECT_AND_ADDRESS, 3, 600000);
}

static void address_classes_from_defaults(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_limit_policies_t policies;
    load_policies(&environment, &policies);
    static const struct {
        lk_limit_class_t limit_class;
        const char *policy;
        int64_t count;
        int64_t period_ms;
        bool in_memory;
    } cases[] = {
        {LK_LIMIT_RESET_CONFIRM, "reset-confirm-ip", 10, 900000, false},
        {LK_LIMIT_REFRESH, "refresh-ip", 60, 60000, false},
        {LK_LIMIT_API, "api-ip", 100, 900000, false},
        {LK_LIMIT_VERIFY, "verify-ip", 6000, 60000, true},
        {LK_LIMIT_PUBLIC, "public-ip", 600, 60000, true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const lk_limit_class_rules_t *rules = &policies.classes[cases[i].limit_class];
        print_message("case: %s\n", cases[i].policy);
        assert_int_equal(rules->rule_count, 1);
        assert_int_equal(rules->in_memory, cases[i].in_memory);
        assert_rule(&rules->rules[0], cases[i].policy, LK_LIMIT_GCRA, LK_LIMIT_PER_ADDRESS,
                    cases[i].count, cases[i].period_ms);
        assert_false(lk_limit_class_has_backoff(rules));
    }
}

static void reset_request_rules(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_limit_policies_t policies;
    load_policies(&environment, &policies);
    const lk_limit_class_rules_t *reset = &policies.classes[LK_LIMIT_RESET_REQUEST];

    assert_int_equal(reset->rule_count, 2);
    assert_rule(&reset->rules[0], "reset-ip", LK_LIMIT_GCRA, LK_LIMIT_PER_ADDRESS, 5, 900000);
    assert_rule(&reset->rules[1], "reset-account", LK_LIMIT_GCRA, LK_LIMIT_PER_SUBJECT, 3,
                3600000);
    assert_true(reset->rules[1].shared);
    assert_int_equal(policies.classes[LK_LIMIT_NONE].rule_count, 0);
}

static void invalid_rate_reported(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_config_t config;
    lk_limit_policies_t policies;
    char error[512];
    assert_int_equal(lk_config_load(&config, 0, fake_lookup, &environment, error, sizeof error), 0);

    char *saved = config.rate_limit_api;
    char invalid[] = "lots";
    config.rate_limit_api = invalid;
    assert_int_equal(lk_limit_policies_load(&config, &policies, error, sizeof error), -1);
    assert_non_null(strstr(error, "LATCHKEY_RATE_LIMIT_API: invalid value"));
    config.rate_limit_api = saved;
    lk_config_dispose(&config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_rules_from_defaults),
        cmocka_unit_test(password_change_uses_login_rates),
        cmocka_unit_test(address_classes_from_defaults),
        cmocka_unit_test(reset_request_rules),
        cmocka_unit_test(invalid_rate_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
