/* Tests for the rate-limit, password-reset and password-list variables of the table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config/config.h"

#include <stdio.h>
#include <string.h>

/* A fake environment of at most 8 NAME=VALUE pairs. */
typedef struct fake_environment {
    const char *names[8];
    const char *values[8];
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

static int load_one(const char *name, const char *value, lk_config_t *config, char *error,
                    size_t size)
{
    fake_environment_t environment = {.names = {name}, .values = {value}, .count = 1};
    return lk_config_load(config, 0, fake_lookup, &environment, error, size);
}

static void limit_defaults(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_config_t config;
    char error[512];

    assert_int_equal(lk_config_load(&config, 0, fake_lookup, &environment, error, sizeof error),
                     0);
    assert_string_equal(config.rate_limit_login_ip, "20/1m");
    assert_string_equal(config.rate_limit_login_failures, "5/15m");
    assert_int_equal(config.rate_limit_login_backoff_max, 3600);
    assert_string_equal(config.rate_limit_login_account, "100/15m");
    assert_int_equal(config.rate_limit_known_address_ttl, 2592000);
    assert_string_equal(config.rate_limit_reset_ip, "5/15m");
    assert_string_equal(config.rate_limit_reset_account, "3/1h");
    assert_string_equal(config.rate_limit_reset_confirm_ip, "10/15m");
    assert_string_equal(config.rate_limit_refresh_ip, "60/1m");
    assert_string_equal(config.rate_limit_api, "100/15m");
    assert_string_equal(config.rate_limit_verify, "6000/1m");
    assert_string_equal(config.rate_limit_public, "600/1m");
    assert_string_equal(config.rate_limit_fallback, "none");
    assert_null(config.reset_url_base);
    assert_int_equal(config.reset_token_ttl, 1800);
    assert_string_equal(config.common_passwords_file, "/usr/share/john/password.lst");
    lk_config_dispose(&config);
}

typedef struct value_case {
    const char *name;
    const char *value;
    const char *expected_error; /* NULL when the value is accepted */
} value_case_t;

static void check_value_cases(const value_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        lk_config_t config;
        char error[512] = "";
        print_message("case: %s=%s\n", cases[i].name, cases[i].value);
        int status = load_one(cases[i].name, cases[i].value, &config, error, sizeof error);
        if (cases[i].expected_error == NULL) {
            assert_int_equal(status, 0);
            lk_config_dispose(&config);
        } else {
            assert_int_equal(status, -1);
            assert_string_equal(error, cases[i].expected_error);
        }
    }
}

static void rate_values(void **state)
{
    (void)state;
    static const value_case_t cases[] = {
        {"LATCHKEY_RATE_LIMIT_LOGIN_IP", "30/2m", NULL},
        {"LATCHKEY_RATE_LIMIT_API", "100000/1m", NULL},
        {"LATCHKEY_RATE_LIMIT_LOGIN_IP", "30 per minute",
         "LATCHKEY_RATE_LIMIT_LOGIN_IP: invalid value \"30 per minute\": expected COUNT/PERIOD "
         "such as 5/15m: a count from 1 to 1000000 and a period from 1s to 7d, in seconds or "
         "with the unit s, m, h or d"},
        {"LATCHKEY_RATE_LIMIT_VERIFY", "0/1m",
         "LATCHKEY_RATE_LIMIT_VERIFY: invalid value \"0/1m\": expected COUNT/PERIOD such as "
         "5/15m: a count from 1 to 1000000 and a period from 1s to 7d, in seconds or with the "
         "unit s, m, h or d"},
        {"LATCHKEY_RATE_LIMIT_LOGIN_BACKOFF_MAX", "0",
         "LATCHKEY_RATE_LIMIT_LOGIN_BACKOFF_MAX: invalid value \"0\": expected an integer from "
         "1 to 86400"},
        {"LATCHKEY_RATE_LIMIT_KNOWN_ADDRESS_TTL", "59",
         "LATCHKEY_RATE_LIMIT_KNOWN_ADDRESS_TTL: invalid value \"59\": expected an integer from "
         "60 to 31536000"},
        {"LATCHKEY_RATE_LIMIT_FALLBACK", "local", NULL},
        {"LATCHKEY_RATE_LIMIT_FALLBACK", "memory",
         "LATCHKEY_RATE_LIMIT_FALLBACK: invalid value \"memory\": expected none or local"},
        {"LATCHKEY_RESET_TOKEN_TTL", "86401",
         "LATCHKEY_RESET_TOKEN_TTL: invalid value \"86401\": expected an integer from 1 to "
         "86400"},
    };
    check_value_cases(cases, sizeof cases / sizeof cases[0]);
}

#define RESET_URL_PROBLEM                                                                      \
    "expected an https:// URL without a fragment, such as "                                   \
    "https://app.example.com/reset-password (http:// only for localhost)"

static void reset_url_base_values(void **state)
{
    (void)state;
    static const value_case_t cases[] = {
        {"LATCHKEY_RESET_URL_BASE", "https://app.example.com/reset", NULL},
        {"LATCHKEY_RESET_URL_BASE", "https://app.example.com:8443/account/reset?lang=en", NULL},
        {"LATCHKEY_RESET_URL_BASE", "http://localhost:3000/reset", NULL},
        {"LATCHKEY_RESET_URL_BASE", "http://127.0.0.1/reset", NULL},
        {"LATCHKEY_RESET_URL_BASE", "http://[::1]:3000/reset", NULL},
        {"LATCHKEY_RESET_URL_BASE", "http://app.example.com/reset",
         "LATCHKEY_RESET_URL_BASE: invalid value \"http://app.example.com/reset\": "
         RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "http://localhost.example.com/reset",
         "LATCHKEY_RESET_URL_BASE: invalid value \"http://localhost.example.com/reset\": "
         RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "https://app.example.com/reset#step",
         "LATCHKEY_RESET_URL_BASE: invalid value \"https://app.example.com/reset#step\": "
         RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "https:///reset",
         "LATCHKEY_RESET_URL_BASE: invalid value \"https:///reset\": " RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "https://user@app.example.com/reset",
         "LATCHKEY_RESET_URL_BASE: invalid value \"https://user@app.example.com/reset\": "
         RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "https://app.example.com/re set",
         "LATCHKEY_RESET_URL_BASE: invalid value \"https://app.example.com/re set\": "
         RESET_URL_PROBLEM},
        {"LATCHKEY_RESET_URL_BASE", "app.example.com/reset",
         "LATCHKEY_RESET_URL_BASE: invalid value \"app.example.com/reset\": " RESET_URL_PROBLEM},
    };
    check_value_cases(cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limit_defaults),
        cmocka_unit_test(rate_values),
        cmocka_unit_test(reset_url_base_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
