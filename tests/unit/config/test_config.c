/* Tests for loading the configuration from a fake environment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/config_table.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READABLE_FILE LK_SOURCE_DIR "/CMakeLists.txt"
#define ALL_NEEDS (LK_NEED_DATABASE | LK_NEED_REDIS | LK_NEED_MASTER_KEY | LK_NEED_SERVE)
#define DATABASE_PASSWORD "s3cret-db-pass"

/* A fake environment: up to 24 NAME=VALUE pairs, later entries overriding earlier ones. */
typedef struct fake_environment {
    const char *names[24];
    const char *values[24];
    size_t count;
} fake_environment_t;

static const char *fake_lookup(const char *name, void *context)
{
    const fake_environment_t *environment = context;
    const char *value = NULL;

    for (size_t i = 0; i < environment->count; i++) {
        if (strcmp(environment->names[i], name) == 0) {
            value = environment->values[i];
        }
    }
    return value;
}

static void set_variable(fake_environment_t *environment, const char *name, const char *value)
{
    assert_true(environment->count < 24);
    environment->names[environment->count] = name;
    environment->values[environment->count] = value;
    environment->count++;
}

/* Every required variable set to a valid value, for all needs. */
static fake_environment_t complete_environment(void)
{
    fake_environment_t environment = {.count = 0};

    set_variable(&environment, "LATCHKEY_DATABASE_URL",
                 "postgresql://latchkey:" DATABASE_PASSWORD "@localhost/latchkey");
    set_variable(&environment, "LATCHKEY_REDIS_URL", "redis://localhost:6379/0");
    set_variable(&environment, "LATCHKEY_MASTER_KEY_FILE", READABLE_FILE);
    set_variable(&environment, "LATCHKEY_ISSUER", "https://auth.example.com");
    set_variable(&environment, "LATCHKEY_AUDIENCE", "https://api.example.com");
    set_variable(&environment, "LATCHKEY_TLS_CERT_FILE", READABLE_FILE);
    set_variable(&environment, "LATCHKEY_TLS_KEY_FILE", READABLE_FILE);
    return environment;
}

static int load(lk_config_t *config, unsigned needs, fake_environment_t *environment,
                char *error, size_t size)
{
    return lk_config_load(config, needs, fake_lookup, environment, error, size);
}

/* Loads `environment` with all needs and expects a failure with exactly `expected`. */
static void expect_error(fake_environment_t *environment, unsigned needs, const char *expected)
{
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, needs, environment, error, sizeof error), -1);
    assert_string_equal(error, expected);
    assert_null(config.database_url);
    assert_null(config.issuer);
}

static void defaults_without_needs(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, 0, &environment, error, sizeof error), 0);

    assert_null(config.database_url);
    assert_null(config.redis_url);
    assert_null(config.issuer);
    assert_int_equal(config.listener_count, 1);
    assert_true(config.listeners[0].tls);
    assert_string_equal(config.listeners[0].host, "0.0.0.0");
    assert_int_equal(config.listeners[0].port, 8443);
    assert_false(config.admin_listen_enabled);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(config.threads, cpus < 1 ? 1 : (cpus > 256 ? 256 : cpus));
    assert_int_equal(config.workers, 2 * config.threads < 4 ? 4 : 2 * config.threads);
    assert_int_equal(config.access_token_ttl, 900);
    assert_int_equal(config.refresh_token_ttl, 2592000);
    assert_int_equal(config.refresh_idle_timeout, 604800);
    assert_int_equal(config.refresh_grace_period, 10);
    assert_int_equal(config.revocation_resync_interval, 30);
    assert_int_equal(config.session_prune_interval, 60);
    assert_null(config.trusted_proxies);
    assert_int_equal(config.log_level, LK_LOG_INFO);
    assert_int_equal(config.jwks_max_age, 300);
    assert_int_equal(config.key_reload_interval, 30);
    assert_int_equal(config.max_body_bytes, 16384);
    lk_config_dispose(&config);
}

static void complete_environment_loads(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);

    assert_string_equal(error, "");
    assert_string_equal(config.issuer, "https://auth.example.com");
    assert_string_equal(config.audience, "https://api.example.com");
    assert_string_equal(config.tls_cert_file, READABLE_FILE);
    assert_string_equal(config.redis_url, "redis://localhost:6379/0");
    lk_config_dispose(&config);
    assert_null(config.database_url);
}

static void explicit_values_parsed(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_LISTEN", "https://[::1]:8443, http://127.0.0.1:8080");
    set_variable(&environment, "LATCHKEY_ADMIN_LISTEN", "http://127.0.0.1:9090");
    set_variable(&environment, "LATCHKEY_THREADS", "3");
    set_variable(&environment, "LATCHKEY_ACCESS_TOKEN_TTL", "60");
    set_variable(&environment, "LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8,192.168.1.7");
    set_variable(&environment, "LATCHKEY_LOG_LEVEL", "debug");
    set_variable(&environment, "LATCHKEY_MAX_BODY_BYTES", "1048576");
    set_variable(&environment, "LATCHKEY_REDIS_URL", "unix:///run/redis/redis.sock");
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);

    assert_int_equal(config.listener_count, 2);
    assert_string_equal(config.listeners[0].host, "::1");
    assert_true(config.listeners[0].tls);
    assert_string_equal(config.listeners[1].host, "127.0.0.1");
    assert_false(config.listeners[1].tls);
    assert_int_equal(config.listeners[1].port, 8080);
    assert_true(config.admin_listen_enabled);
    assert_int_equal(config.admin_listen.port, 9090);
    assert_int_equal(config.threads, 3);
    assert_int_equal(config.workers, 6);
    assert_int_equal(config.access_token_ttl, 60);
    assert_string_equal(config.trusted_proxies, "10.0.0.0/8, fd00::/8,192.168.1.7");
    assert_int_equal(config.log_level, LK_LOG_DEBUG);
    assert_int_equal(config.max_body_bytes, 1048576);
    lk_config_dispose(&config);
}

static void workers_default_at_least_four(void **state)
{
    (void)state;
    fake_environment_t environment = {.count = 0};
    set_variable(&environment, "LATCHKEY_THREADS", "1");
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, 0, &environment, error, sizeof error), 0);
    assert_int_equal(config.workers, 4);
    lk_config_dispose(&config);
}

static void empty_value_counts_as_unset(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_ISSUER", "");

    expect_error(&environment, LK_NEED_SERVE,
                 "LATCHKEY_ISSUER: missing: set it to this service's public https URL, such as "
                 "https://auth.example.com");
}

/* Each required variable, removed in turn, is reported only when its need bit is set. */
static void missing_required_by_needs(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        unsigned need;
        const char *expected;
    } cases[] = {
        {"LATCHKEY_DATABASE_URL", LK_NEED_DATABASE,
         "LATCHKEY_DATABASE_URL: missing: set it to a libpq connection string such as "
         "postgresql://latchkey@localhost/latchkey"},
        {"LATCHKEY_REDIS_URL", LK_NEED_REDIS,
         "LATCHKEY_REDIS_URL: missing: set it to a Redis URL such as redis://localhost:6379/0"},
        {"LATCHKEY_MASTER_KEY_FILE", LK_NEED_MASTER_KEY,
         "LATCHKEY_MASTER_KEY_FILE: missing: set it to the path of a file holding the base64 "
         "32-byte master key"},
        {"LATCHKEY_ISSUER", LK_NEED_SERVE,
         "LATCHKEY_ISSUER: missing: set it to this service's public https URL, such as "
         "https://auth.example.com"},
        {"LATCHKEY_AUDIENCE", LK_NEED_SERVE,
         "LATCHKEY_AUDIENCE: missing: set it to the default \"aud\" of access tokens, such as "
         "https://api.example.com"},
        {"LATCHKEY_TLS_CERT_FILE", LK_NEED_SERVE,
         "LATCHKEY_TLS_CERT_FILE: missing: set it to a PEM certificate chain file, or use only "
         "http:// listeners"},
        {"LATCHKEY_TLS_KEY_FILE", LK_NEED_SERVE,
         "LATCHKEY_TLS_KEY_FILE: missing: set it to the PEM private key file of the certificate"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_environment_t environment = complete_environment();
        set_variable(&environment, cases[i].name, NULL);
        lk_config_t config;
        char error[512];
        print_message("case: %s\n", cases[i].name);

        expect_error(&environment, cases[i].need, cases[i].expected);
        expect_error(&environment, ALL_NEEDS, cases[i].expected);
        assert_int_equal(load(&config, ALL_NEEDS & ~cases[i].need, &environment, error,
                              sizeof error),
                         0);
        lk_config_dispose(&config);
    }
}

static void tls_files_optional_with_http_only(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_LISTEN", "http://127.0.0.1:8080");
    set_variable(&environment, "LATCHKEY_TLS_CERT_FILE", NULL);
    set_variable(&environment, "LATCHKEY_TLS_KEY_FILE", NULL);
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_null(config.tls_cert_file);
    lk_config_dispose(&config);
}

typedef struct invalid_case {
    const char *name;
    const char *value;
    const char *expected;
} invalid_case_t;

static void check_invalid_cases(const invalid_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fake_environment_t environment = complete_environment();
        set_variable(&environment, cases[i].name, cases[i].value);
        print_message("case: %s=%s\n", cases[i].name, cases[i].value);
        expect_error(&environment, ALL_NEEDS, cases[i].expected);
    }
}

static void invalid_integers_rejected(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_THREADS", "abc",
         "LATCHKEY_THREADS: invalid value \"abc\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", "4x",
         "LATCHKEY_THREADS: invalid value \"4x\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", " 4",
         "LATCHKEY_THREADS: invalid value \" 4\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", "+4",
         "LATCHKEY_THREADS: invalid value \"+4\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", "0x10",
         "LATCHKEY_THREADS: invalid value \"0x10\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", "99999999999999999999",
         "LATCHKEY_THREADS: invalid value \"99999999999999999999\": expected an integer from 1 "
         "to 256"},
        {"LATCHKEY_ACCESS_TOKEN_TTL", "1.5",
         "LATCHKEY_ACCESS_TOKEN_TTL: invalid value \"1.5\": expected an integer from 5 to "
         "86400"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

static void integers_out_of_range(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_THREADS", "0",
         "LATCHKEY_THREADS: invalid value \"0\": expected an integer from 1 to 256"},
        {"LATCHKEY_THREADS", "257",
         "LATCHKEY_THREADS: invalid value \"257\": expected an integer from 1 to 256"},
        {"LATCHKEY_WORKERS", "-1",
         "LATCHKEY_WORKERS: invalid value \"-1\": expected an integer from 1 to 256"},
        {"LATCHKEY_ACCESS_TOKEN_TTL", "4",
         "LATCHKEY_ACCESS_TOKEN_TTL: invalid value \"4\": expected an integer from 5 to 86400"},
        {"LATCHKEY_ACCESS_TOKEN_TTL", "86401",
         "LATCHKEY_ACCESS_TOKEN_TTL: invalid value \"86401\": expected an integer from 5 to "
         "86400"},
        {"LATCHKEY_JWKS_MAX_AGE", "86401",
         "LATCHKEY_JWKS_MAX_AGE: invalid value \"86401\": expected an integer from 0 to 86400"},
        {"LATCHKEY_KEY_RELOAD_INTERVAL", "0",
         "LATCHKEY_KEY_RELOAD_INTERVAL: invalid value \"0\": expected an integer from 1 to 3600"},
        {"LATCHKEY_REFRESH_TOKEN_TTL", "0",
         "LATCHKEY_REFRESH_TOKEN_TTL: invalid value \"0\": expected an integer from 1 to "
         "31536000"},
        {"LATCHKEY_REFRESH_GRACE_PERIOD", "-1",
         "LATCHKEY_REFRESH_GRACE_PERIOD: invalid value \"-1\": expected an integer from 0 to "
         "300"},
        {"LATCHKEY_REFRESH_GRACE_PERIOD", "301",
         "LATCHKEY_REFRESH_GRACE_PERIOD: invalid value \"301\": expected an integer from 0 to "
         "300"},
        {"LATCHKEY_REVOCATION_RESYNC_INTERVAL", "0",
         "LATCHKEY_REVOCATION_RESYNC_INTERVAL: invalid value \"0\": expected an integer from 1 "
         "to 3600"},
        {"LATCHKEY_SESSION_PRUNE_INTERVAL", "0",
         "LATCHKEY_SESSION_PRUNE_INTERVAL: invalid value \"0\": expected an integer from 1 to "
         "86400"},
        {"LATCHKEY_MAX_BODY_BYTES", "1023",
         "LATCHKEY_MAX_BODY_BYTES: invalid value \"1023\": expected an integer from 1024 to "
         "1048576"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

static void bad_listen_lists(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_LISTEN", "0.0.0.0:8443",
         "LATCHKEY_LISTEN: invalid value \"0.0.0.0:8443\": expected https://ADDR:PORT or "
         "http://ADDR:PORT"},
        {"LATCHKEY_LISTEN", "ftp://0.0.0.0:21",
         "LATCHKEY_LISTEN: invalid value \"ftp://0.0.0.0:21\": expected https://ADDR:PORT or "
         "http://ADDR:PORT"},
        {"LATCHKEY_LISTEN", "HTTPS://0.0.0.0:8443",
         "LATCHKEY_LISTEN: invalid value \"HTTPS://0.0.0.0:8443\": expected https://ADDR:PORT or "
         "http://ADDR:PORT"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:0",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:0\": port must be from 1 to 65535"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:70000",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:70000\": port must be from 1 to 65535"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:99999999999999999999999",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:99999999999999999999999\": port must "
         "be from 1 to 65535"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:84a3",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:84a3\": port must be a number from 1 "
         "to 65535"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:8443/",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:8443/\": port must be a number from 1 "
         "to 65535"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0\": missing port after the address, "
         "such as :8443"},
        {"LATCHKEY_LISTEN", "https://::1:8443",
         "LATCHKEY_LISTEN: invalid value \"https://::1:8443\": IPv6 addresses need brackets, "
         "such as https://[::1]:8443"},
        {"LATCHKEY_LISTEN", "https://[::1]8443",
         "LATCHKEY_LISTEN: invalid value \"https://[::1]8443\": expected [IPV6]:PORT, such as "
         "https://[::1]:8443"},
        {"LATCHKEY_LISTEN", "https://[::g]:8443",
         "LATCHKEY_LISTEN: invalid value \"https://[::g]:8443\": invalid IPv6 address"},
        {"LATCHKEY_LISTEN", "https://300.1.1.1:8443",
         "LATCHKEY_LISTEN: invalid value \"https://300.1.1.1:8443\": invalid IPv4 or host name "
         "address"},
        {"LATCHKEY_LISTEN", "https://:8443",
         "LATCHKEY_LISTEN: invalid value \"https://:8443\": the address must have 1 to 63 "
         "characters"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:8443,,http://127.0.0.1:80",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:8443,,http://127.0.0.1:80\": empty "
         "entry in the comma-separated list"},
        {"LATCHKEY_LISTEN", "https://0.0.0.0:8443,http://0.0.0.0:8443",
         "LATCHKEY_LISTEN: invalid value \"https://0.0.0.0:8443,http://0.0.0.0:8443\": port 8443 "
         "on 0.0.0.0 is listed twice"},
        {"LATCHKEY_LISTEN",
         "http://h:1,http://h:2,http://h:3,http://h:4,http://h:5,http://h:6,http://h:7,"
         "http://h:8,http://h:9",
         "LATCHKEY_LISTEN: invalid value \"http://h:1,http://h:2,http://h:3,http://h:4,http://h:5,"
         "http://h:6,http://h:7,http://h:8,http://h:9\": at most 8 addresses are allowed"},
        {"LATCHKEY_ADMIN_LISTEN", "https://127.0.0.1:9090",
         "LATCHKEY_ADMIN_LISTEN: invalid value \"https://127.0.0.1:9090\": expected "
         "http://ADDR:PORT because the admin listener has no TLS"},
        {"LATCHKEY_ADMIN_LISTEN", "127.0.0.1:9090",
         "LATCHKEY_ADMIN_LISTEN: invalid value \"127.0.0.1:9090\": expected https://ADDR:PORT or "
         "http://ADDR:PORT"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

static void listen_list_accepts_forms(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_LISTEN",
                 "https://[2001:db8::1]:443,http://localhost:8080,https://auth-1.internal:1,"
                 "http://0.0.0.0:65535,http://h:2,http://h:3,http://h:4,http://h:5");
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.listener_count, LK_MAX_LISTENERS);
    assert_string_equal(config.listeners[0].host, "2001:db8::1");
    assert_int_equal(config.listeners[0].port, 443);
    assert_string_equal(config.listeners[1].host, "localhost");
    assert_string_equal(config.listeners[2].host, "auth-1.internal");
    assert_int_equal(config.listeners[3].port, 65535);
    lk_config_dispose(&config);
}

static void issuer_must_be_https(void **state)
{
    (void)state;
    const char *expectation = "expected an https:// URL without query or fragment, such as "
                              "https://auth.example.com";
    const char *values[] = {
        "http://auth.example.com", "http://localhost:8443", "http://127.0.0.1", "https://",
        "https:///path", "auth.example.com", "https://auth.example.com/?tenant=1",
        "https://auth.example.com/#top", "https://user@auth.example.com",
        "https://auth.example.com/a b", "HTTPS://auth.example.com",
    };

    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        fake_environment_t environment = complete_environment();
        set_variable(&environment, "LATCHKEY_ISSUER", values[i]);
        char expected[512];
        snprintf(expected, sizeof expected, "LATCHKEY_ISSUER: invalid value \"%s\": %s", values[i],
                 expectation);
        print_message("case: %s\n", values[i]);
        expect_error(&environment, ALL_NEEDS, expected);
    }
}

static void issuer_accepts_port_and_path(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_ISSUER", "https://auth.example.com:8443/tenant/a");
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_string_equal(config.issuer, "https://auth.example.com:8443/tenant/a");
    lk_config_dispose(&config);
}

static void redis_url_forms(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_REDIS_URL", "localhost:6379",
         "LATCHKEY_REDIS_URL: invalid value (not shown because it may contain a password): "
         "expected redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET"},
        {"LATCHKEY_REDIS_URL", "rediss://localhost:6379",
         "LATCHKEY_REDIS_URL: invalid value (not shown because it may contain a password): "
         "expected redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET"},
        {"LATCHKEY_REDIS_URL", "redis://",
         "LATCHKEY_REDIS_URL: invalid value (not shown because it may contain a password): "
         "expected redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET"},
        {"LATCHKEY_REDIS_URL", "unix://relative.sock",
         "LATCHKEY_REDIS_URL: invalid value (not shown because it may contain a password): "
         "expected redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Session lifetimes of seconds are valid, so that tests can watch sessions expire. */
static void short_session_lifetimes_accepted(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_REFRESH_TOKEN_TTL", "8");
    set_variable(&environment, "LATCHKEY_REFRESH_IDLE_TIMEOUT", "3");
    set_variable(&environment, "LATCHKEY_REFRESH_GRACE_PERIOD", "0");

    lk_config_t config;
    char error[512];
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.refresh_token_ttl, 8);
    assert_int_equal(config.refresh_idle_timeout, 3);
    assert_int_equal(config.refresh_grace_period, 0);
    lk_config_dispose(&config);
}

static void refresh_idle_above_ttl(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_REFRESH_TOKEN_TTL", "86400");
    set_variable(&environment, "LATCHKEY_REFRESH_IDLE_TIMEOUT", "86401");

    expect_error(&environment, ALL_NEEDS,
                 "LATCHKEY_REFRESH_IDLE_TIMEOUT: invalid value \"86401\": must not exceed "
                 "LATCHKEY_REFRESH_TOKEN_TTL (86400)");

    set_variable(&environment, "LATCHKEY_REFRESH_IDLE_TIMEOUT", "86400");
    lk_config_t config;
    char error[512];
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    lk_config_dispose(&config);
}

static void key_timing_defaults(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    lk_config_t config;
    char error[512];

    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.key_rotation_period, 2592000);
    assert_int_equal(config.key_prepublish_delay, 3600);
    assert_int_equal(config.key_retire_leeway, 300);
    assert_null(config.previous_master_key_file);
    lk_config_dispose(&config);
}

static void prepublish_delay_below_cache_time(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_JWKS_MAX_AGE", "600");
    set_variable(&environment, "LATCHKEY_KEY_RELOAD_INTERVAL", "30");
    set_variable(&environment, "LATCHKEY_KEY_PREPUBLISH_DELAY", "629");

    expect_error(&environment, ALL_NEEDS,
                 "LATCHKEY_KEY_PREPUBLISH_DELAY: invalid value \"629\": must be at least "
                 "LATCHKEY_JWKS_MAX_AGE + LATCHKEY_KEY_RELOAD_INTERVAL (630), so that caching "
                 "verifiers fetch a new key before it signs");

    set_variable(&environment, "LATCHKEY_KEY_PREPUBLISH_DELAY", "630");
    lk_config_t config;
    char error[512];
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.key_prepublish_delay, 630);
    lk_config_dispose(&config);
}

static void rotation_period_within_delay(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_KEY_PREPUBLISH_DELAY", "7200");
    set_variable(&environment, "LATCHKEY_KEY_ROTATION_PERIOD", "7200");

    expect_error(&environment, ALL_NEEDS,
                 "LATCHKEY_KEY_ROTATION_PERIOD: invalid value \"7200\": must be 0 (off) or "
                 "greater than LATCHKEY_KEY_PREPUBLISH_DELAY (7200)");

    lk_config_t config;
    char error[512];
    set_variable(&environment, "LATCHKEY_KEY_ROTATION_PERIOD", "0");
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.key_rotation_period, 0);
    lk_config_dispose(&config);

    set_variable(&environment, "LATCHKEY_KEY_ROTATION_PERIOD", "7201");
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    assert_int_equal(config.key_rotation_period, 7201);
    lk_config_dispose(&config);
}

static void trusted_proxies_bad_cidr(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/33",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"10.0.0.0/33\": invalid entry \"10.0.0.0/33\" "
         "(prefix length must be from 0 to 32): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "fd00::/129",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"fd00::/129\": invalid entry \"fd00::/129\" "
         "(prefix length must be from 0 to 128): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8,10.0.0/8",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"10.0.0.0/8,10.0.0/8\": invalid entry "
         "\"10.0.0/8\" (invalid IP address): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.1/8",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"10.0.0.1/8\": invalid entry \"10.0.0.1/8\" "
         "(bits are set after the /8 prefix): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"10.0.0.0/\": invalid entry \"10.0.0.0/\" "
         "(prefix length must be from 0 to 32): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8,",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"10.0.0.0/8,\": invalid entry \"\" "
         "(invalid IP address): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
        {"LATCHKEY_TRUSTED_PROXIES", "localhost",
         "LATCHKEY_TRUSTED_PROXIES: invalid value \"localhost\": invalid entry \"localhost\" "
         "(invalid IP address): expected CIDRs such as 10.0.0.0/8,fd00::/8"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

static void invalid_log_level(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_LOG_LEVEL", "verbose",
         "LATCHKEY_LOG_LEVEL: invalid value \"verbose\": expected debug, info, warn or error"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

static void unreadable_tls_file(void **state)
{
    (void)state;
    static const invalid_case_t cases[] = {
        {"LATCHKEY_TLS_CERT_FILE", "/nonexistent/cert.pem",
         "LATCHKEY_TLS_CERT_FILE: cannot read \"/nonexistent/cert.pem\": No such file or "
         "directory: check the path and its permissions"},
        {"LATCHKEY_TLS_KEY_FILE", LK_SOURCE_DIR,
         "LATCHKEY_TLS_KEY_FILE: cannot read \"" LK_SOURCE_DIR "\": not a regular file: check "
         "the path and its permissions"},
        {"LATCHKEY_MASTER_KEY_FILE", "/nonexistent/master.key",
         "LATCHKEY_MASTER_KEY_FILE: cannot read \"/nonexistent/master.key\": No such file or "
         "directory: check the path and its permissions"},
    };
    check_invalid_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Neither an invalid value nor libpq's parse message may reach the error line. */
static void database_error_hides_value(void **state)
{
    (void)state;
    const char *values[] = {
        "host=localhost password=" DATABASE_PASSWORD " oops",
        "postgresql://user:" DATABASE_PASSWORD "%zz@localhost/db",
        "postgresql://user:" DATABASE_PASSWORD "@localhost/db?nosuchoption=1",
        DATABASE_PASSWORD,
    };

    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        fake_environment_t environment = complete_environment();
        set_variable(&environment, "LATCHKEY_DATABASE_URL", values[i]);
        lk_config_t config;
        char error[512];
        print_message("case: %zu\n", i);

        assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), -1);
        assert_null(strstr(error, DATABASE_PASSWORD));
        assert_string_equal(error, "LATCHKEY_DATABASE_URL: invalid value (not shown because it "
                                   "may contain a password): expected a libpq connection "
                                   "string such as postgresql://latchkey@localhost/latchkey");
    }
}

/* Values are quoted on one line: control characters become '?' and long values are cut. */
static void error_value_made_printable(void **state)
{
    (void)state;
    char long_value[300];
    memset(long_value, '7', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    static const invalid_case_t cases[] = {
        {"LATCHKEY_THREADS", "4\n5",
         "LATCHKEY_THREADS: invalid value \"4?5\": expected an integer from 1 to 256"},
    };
    check_invalid_cases(cases, 1);

    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_THREADS", long_value);
    lk_config_t config;
    char error[512];
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), -1);
    assert_non_null(strstr(error, "777...\": expected"));
    assert_true(strlen(error) < 200);
}

static void redact_database_url(void **state)
{
    (void)state;
    char output[512];

    lk_config_redact_database_url("postgresql://latchkey:" DATABASE_PASSWORD "@db.internal:5433/auth"
                                  "?sslmode=require",
                                  output, sizeof output);
    assert_null(strstr(output, DATABASE_PASSWORD));
    assert_non_null(strstr(output, "password=***"));
    assert_non_null(strstr(output, "user=latchkey"));
    assert_non_null(strstr(output, "host=db.internal"));
    assert_non_null(strstr(output, "sslmode=require"));

    lk_config_redact_database_url("host=localhost password='" DATABASE_PASSWORD "' dbname=auth",
                                  output, sizeof output);
    assert_null(strstr(output, DATABASE_PASSWORD));
    assert_non_null(strstr(output, "password=***"));

    lk_config_redact_database_url("postgresql:///latchkey", output, sizeof output);
    assert_string_equal(output, "dbname=latchkey");
}

static void redact_redis_url(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *expected;
    } cases[] = {
        {"redis://localhost:6379/0", "redis://localhost:6379/0"},
        {"redis://app:hunter2@localhost:6379/0", "redis://app:***@localhost:6379/0"},
        {"redis://:hunter2@localhost", "redis://:***@localhost"},
        {"redis://hunter2@localhost", "redis://***@localhost"},
        {"redis://a:p@ss@localhost", "redis://a:***@localhost"},
        {"unix:///run/redis.sock?db=1&password=hunter2", "unix:///run/redis.sock?db=1&password=***"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char output[256];
        lk_config_redact_redis_url(cases[i].url, output, sizeof output);
        assert_string_equal(output, cases[i].expected);
    }
}

/* Runs lk_config_log_effective with standard error sent to a temporary file, and returns
 * what was written. */
static void capture_effective_log(const lk_config_t *config, char *output, size_t size)
{
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(capture), STDERR_FILENO) >= 0);

    lk_config_log_effective(config);

    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(capture);
    size_t length = fread(output, 1, size - 1, capture);
    output[length] = '\0';
    fclose(capture);
}

static void effective_log_redacts_secrets(void **state)
{
    (void)state;
    fake_environment_t environment = complete_environment();
    set_variable(&environment, "LATCHKEY_REDIS_URL", "redis://app:redis-secret@localhost:6379/0");
    lk_config_t config;
    char error[512];
    assert_int_equal(load(&config, ALL_NEEDS, &environment, error, sizeof error), 0);
    char output[8192];

    capture_effective_log(&config, output, sizeof output);
    lk_config_dispose(&config);

    assert_non_null(strstr(output, "effective configuration"));
    assert_null(strstr(output, DATABASE_PASSWORD));
    assert_null(strstr(output, "redis-secret"));
    assert_non_null(strstr(output, "redis://app:***@localhost:6379/0"));
    assert_non_null(strstr(output, "\"LATCHKEY_LISTEN\":\"https://0.0.0.0:8443\""));
    assert_non_null(strstr(output, "\"LATCHKEY_ACCESS_TOKEN_TTL\":900"));
    assert_non_null(strstr(output, "\"LATCHKEY_ADMIN_LISTEN\":null"));
    assert_non_null(strstr(output, "\"LATCHKEY_LOG_LEVEL\":\"info\""));
    for (size_t i = 0; i < lk_config_variable_count; i++) {
        assert_non_null(strstr(output, lk_config_variables[i].name));
    }
    assert_non_null(strchr(output, '\n'));
    assert_ptr_equal(strchr(output, '\n'), output + strlen(output) - 1);
}

static void help_lists_every_variable(void **state)
{
    (void)state;
    char *text = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&text, &length);
    assert_non_null(stream);

    lk_config_print_help(stream);
    fclose(stream);

    for (size_t i = 0; i < lk_config_variable_count; i++) {
        assert_non_null(strstr(text, lk_config_variables[i].name));
    }
    assert_non_null(strstr(text, "Default: https://0.0.0.0:8443."));
    assert_non_null(strstr(text, "Default: number of online CPUs."));
    assert_non_null(strstr(text, "From 5 to 86400."));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_needs),
        cmocka_unit_test(complete_environment_loads),
        cmocka_unit_test(explicit_values_parsed),
        cmocka_unit_test(workers_default_at_least_four),
        cmocka_unit_test(empty_value_counts_as_unset),
        cmocka_unit_test(missing_required_by_needs),
        cmocka_unit_test(tls_files_optional_with_http_only),
        cmocka_unit_test(invalid_integers_rejected),
        cmocka_unit_test(integers_out_of_range),
        cmocka_unit_test(bad_listen_lists),
        cmocka_unit_test(listen_list_accepts_forms),
        cmocka_unit_test(issuer_must_be_https),
        cmocka_unit_test(issuer_accepts_port_and_path),
        cmocka_unit_test(redis_url_forms),
        cmocka_unit_test(refresh_idle_above_ttl),
        cmocka_unit_test(short_session_lifetimes_accepted),
        cmocka_unit_test(trusted_proxies_bad_cidr),
        cmocka_unit_test(invalid_log_level),
        cmocka_unit_test(unreadable_tls_file),
        cmocka_unit_test(database_error_hides_value),
        cmocka_unit_test(error_value_made_printable),
        cmocka_unit_test(redact_database_url),
        cmocka_unit_test(redact_redis_url),
        cmocka_unit_test(effective_log_redacts_secrets),
        cmocka_unit_test(help_lists_every_variable),
        cmocka_unit_test(key_timing_defaults),
        cmocka_unit_test(prepublish_delay_below_cache_time),
        cmocka_unit_test(rotation_period_within_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
