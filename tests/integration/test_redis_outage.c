/* End-to-end checks of rate limits while Redis is down. The outage and fallback instances
 * share a Redis of their own (tests/lib/outage_redis.sh), which these tests stop and start
 * again: the outage instance rejects login and password reset with 503 while verification
 * and the JWKS keep working, the fallback instance counts in memory instead, and both
 * recover without a restart when Redis returns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/accounts.h"
#include "support/http_client.h"
#include "support/instances.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"

#define PASSWORD "lk-secret-outage-owner-3"
#define WRONG_PASSWORD "lk-secret-outage-guess-4"

enum { RECOVERY_TIMEOUT_SECONDS = 15, LOGIN_FAILURES = 5 };

static char email[128];
static char *access_token;

/* Runs the outage Redis script with COMMAND ("start" or "stop"); fails the test on error. */
static void outage_redis(const char *command)
{
    char line[1024];
    snprintf(line, sizeof(line), "bash '%s' %s '%s' >/dev/null", lk_test_env("LK_TEST_OUTAGE_REDIS_SCRIPT"), command,
             lk_test_env("LK_TEST_OUTAGE_REDIS_DIR"));
    int status = system(line);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail_msg("%s failed with status %d", line, status);
    }
}

static long post_status(const char *base_url_variable, const char *path, const char *body,
                        struct lk_test_response *response)
{
    struct lk_test_target target = lk_test_target_from_env(base_url_variable);
    lk_test_post_json_to(&target, path, body, NULL, response);
    return response->status;
}

static char *credentials(const char *password)
{
    json_t *document = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(document, JSON_COMPACT);
    json_decref(document);
    return body;
}

/* Logs in on the instance and keeps the access token; returns the status. */
static long login(const char *base_url_variable, const char *password)
{
    struct lk_test_response response;
    char *body = credentials(password);
    long status = post_status(base_url_variable, "/v1/login", body, &response);
    if (status == 200) {
        json_t *document = lk_test_json_body(&response);
        free(access_token);
        access_token = strdup(json_string_value(json_object_get(document, "access_token")));
        lk_test_record_token(access_token);
        lk_test_record_token(json_string_value(json_object_get(document, "refresh_token")));
        json_decref(document);
    }
    lk_test_response_dispose(&response);
    free(body);
    return status;
}

static int setup(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_unique_email("outage", email, sizeof(email));
    return 0;
}

/* Whatever happened in the tests, Redis runs again afterwards. */
static int restart_redis_if_stopped(void)
{
    char line[1024];
    snprintf(line, sizeof(line), "redis-cli -s '%s/redis.sock' ping >/dev/null 2>&1 || bash '%s' start '%s' >/dev/null",
             getenv("LK_TEST_OUTAGE_REDIS_DIR"), getenv("LK_TEST_OUTAGE_REDIS_SCRIPT"),
             getenv("LK_TEST_OUTAGE_REDIS_DIR"));
    return system(line) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    free(access_token);
    access_token = NULL;
    int restarted = restart_redis_if_stopped();
    return lk_test_http_global_cleanup(state) == 0 && restarted == 0 ? 0 : -1;
}

static void test_login_works_before_outage(void **state)
{
    (void)state;
    lk_test_add_user(email, PASSWORD);
    assert_int_equal(login("LK_TEST_OUTAGE_BASE_URL", PASSWORD), 200);
    assert_non_null(access_token);
}

static void check_unavailable(const char *path, const char *body)
{
    struct lk_test_response response;
    assert_int_equal(post_status("LK_TEST_OUTAGE_BASE_URL", path, body, &response), 503);
    json_t *problem = lk_test_assert_problem(&response, 503);
    assert_string_equal(json_string_value(json_object_get(problem, "type")), "urn:latchkey:problem:unavailable");
    assert_non_null(lk_test_header(&response, "Retry-After"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_outage_fails_closed_but_verifies(void **state)
{
    (void)state;
    assert_non_null(access_token);
    outage_redis("stop");

    char *body = credentials(PASSWORD);
    check_unavailable("/v1/login", body);
    free(body);
    check_unavailable("/v1/password-reset", "{\"email\":\"someone@example.test\"}");
    assert_true(lk_test_log_contains(lk_test_env("LK_TEST_OUTAGE_SERVER_LOG"), "rate limit unavailable: Redis", 3000));

    /* Verification and the JWKS never touch Redis. */
    struct lk_test_response response;
    struct lk_test_target target = lk_test_target_from_env("LK_TEST_OUTAGE_BASE_URL");
    char client[512];
    const char *headers[] = {client, NULL};
    json_t *token = json_pack("{s:s}", "token", access_token);
    char *verify_body = json_dumps(token, JSON_COMPACT);
    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_to(&target, "/v1/token/verify", verify_body, headers, &response);
    assert_int_equal(response.status, 200);
    json_t *answer = lk_test_json_body(&response);
    assert_true(json_is_true(json_object_get(answer, "active")));
    json_decref(answer);
    lk_test_response_dispose(&response);
    free(verify_body);
    json_decref(token);

    struct lk_test_request jwks = {.method = "GET", .path = "/.well-known/jwks.json"};
    lk_test_send_to(&target, &jwks, &response);
    assert_int_equal(response.status, 200);
    lk_test_response_dispose(&response);
}

/* With LATCHKEY_RATE_LIMIT_FALLBACK=local the fallback instance keeps counting, in memory. */
static void test_fallback_counts_in_memory(void **state)
{
    (void)state;
    for (int i = 0; i < LOGIN_FAILURES; i++) {
        assert_int_equal(login("LK_TEST_FALLBACK_BASE_URL", WRONG_PASSWORD), 401);
    }
    assert_int_equal(login("LK_TEST_FALLBACK_BASE_URL", WRONG_PASSWORD), 429);
    assert_true(lk_test_log_contains(lk_test_env("LK_TEST_FALLBACK_SERVER_LOG"),
                                     "counting in this instance's memory instead", 3000));
}

static void test_recovers_when_redis_returns(void **state)
{
    (void)state;
    outage_redis("start");

    long status = 0;
    for (int attempt = 0; attempt < RECOVERY_TIMEOUT_SECONDS * 2 && status != 200; attempt++) {
        status = login("LK_TEST_OUTAGE_BASE_URL", PASSWORD);
        if (status != 200) {
            usleep(500 * 1000);
        }
    }
    assert_int_equal(status, 200);
    assert_true(lk_test_log_contains(lk_test_env("LK_TEST_OUTAGE_SERVER_LOG"), "rate limit recovered", 3000));
    assert_int_equal(login("LK_TEST_FALLBACK_BASE_URL", PASSWORD), 200);
    assert_true(lk_test_log_contains(lk_test_env("LK_TEST_FALLBACK_SERVER_LOG"), "rate limit recovered", 3000));

    struct lk_test_response response;
    assert_int_equal(post_status("LK_TEST_OUTAGE_BASE_URL", "/v1/password-reset", "{\"email\":\"someone@example.test\"}",
                                 &response),
                     202);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_works_before_outage),
        cmocka_unit_test(test_outage_fails_closed_but_verifies),
        cmocka_unit_test(test_fallback_counts_in_memory),
        cmocka_unit_test(test_recovers_when_redis_returns),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
