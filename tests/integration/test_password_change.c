/* End-to-end checks of POST /v1/password: Bearer authentication with RFC 6750 challenges,
 * input validation, the password policy, the current-password check, and the sessions that
 * a change ends. Every password here contains "lk-secret-". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/accounts.h"
#include "support/http_client.h"
#include "support/response_checks.h"
#include "support/session_client.h"

#define PASSWORD "lk-secret-change-me-1"
#define NEW_PASSWORD "lk-secret-changed-2"

static char email[128];
static char *access_token;

static char *login(const char *password)
{
    json_t *document = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(document, JSON_COMPACT);
    struct lk_test_response response;
    char *token = NULL;

    lk_test_post_json("/v1/login", body, &response);
    if (response.status == 200) {
        json_t *tokens = lk_test_json_body(&response);
        token = strdup(json_string_value(json_object_get(tokens, "access_token")));
        lk_test_record_token(token);
        lk_test_record_token(json_string_value(json_object_get(tokens, "refresh_token")));
        json_decref(tokens);
    }
    lk_test_response_dispose(&response);
    free(body);
    json_decref(document);
    return token;
}

/* Posts BODY to /v1/password with the Authorization header AUTHORIZATION (or none). */
static void post_change(const char *authorization, const char *body, struct lk_test_response *response)
{
    const char *headers[] = {authorization, NULL};
    struct lk_test_request request = {.method = "POST", .path = "/v1/password", .content_type = "application/json",
                                      .body = body, .body_length = strlen(body),
                                      .extra_headers = authorization != NULL ? headers : NULL};
    lk_test_send(&request, response);
}

static char *bearer(const char *token)
{
    char *header = malloc(strlen(token) + 32);
    assert_non_null(header);
    sprintf(header, "Authorization: Bearer %s", token);
    return header;
}

static long change(const char *token, const char *current, const char *replacement, struct lk_test_response *response)
{
    json_t *document = json_pack("{s:s, s:s}", "current_password", current, "new_password", replacement);
    char *body = json_dumps(document, JSON_COMPACT);
    char *authorization = bearer(token);
    post_change(authorization, body, response);
    free(authorization);
    free(body);
    json_decref(document);
    return response->status;
}

static int setup(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_unique_email("change", email, sizeof(email));
    lk_test_add_user(email, PASSWORD);
    access_token = login(PASSWORD);
    return access_token != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    free(access_token);
    return lk_test_http_global_cleanup(state);
}

static void test_missing_token_gets_bearer_challenge(void **state)
{
    struct lk_test_response response;

    (void)state;
    post_change(NULL, "{\"current_password\":\"lk-secret-x1\",\"new_password\":\"lk-secret-x2\"}", &response);
    json_decref(lk_test_assert_problem(&response, 401));
    lk_test_assert_header_equal(&response, "WWW-Authenticate", "Bearer realm=\"latchkey\"");
    lk_test_response_dispose(&response);

    post_change("Authorization: Basic dXNlcjpwYXNz", "{\"current_password\":\"lk-secret-x1\",\"new_password\":\"lk-secret-x2\"}",
                &response);
    json_decref(lk_test_assert_problem(&response, 401));
    lk_test_assert_header_equal(&response, "WWW-Authenticate", "Bearer realm=\"latchkey\"");
    lk_test_response_dispose(&response);
}

static void test_invalid_token_gets_invalid_token_error(void **state)
{
    struct lk_test_response response;
    char *tampered = strdup(access_token);

    (void)state;
    tampered[strlen(tampered) - 2] = tampered[strlen(tampered) - 2] == 'A' ? 'B' : 'A';
    change(tampered, PASSWORD, NEW_PASSWORD, &response);
    json_t *problem = lk_test_assert_problem(&response, 401);
    assert_string_equal(json_string_value(json_object_get(problem, "type")), "urn:latchkey:problem:invalid-token");
    assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"), "error=\"invalid_token\""));
    json_decref(problem);
    lk_test_response_dispose(&response);
    free(tampered);
}

static void expect_invalid_field(const char *body, const char *field)
{
    struct lk_test_response response;
    char *authorization = bearer(access_token);

    post_change(authorization, body, &response);
    json_t *problem = lk_test_assert_problem(&response, 400);
    if (!lk_test_problem_names_field(problem, field)) {
        fail_msg("the errors of %s do not name %s: %.300s", body, field, response.body);
    }
    assert_null(strstr(response.body, "lk-secret-"));
    assert_null(strstr(response.body, "iloveyou"));
    json_decref(problem);
    lk_test_response_dispose(&response);
    free(authorization);
}

static void test_invalid_bodies_rejected(void **state)
{
    (void)state;
    expect_invalid_field("{\"new_password\":\"lk-secret-x2\"}", "current_password");
    expect_invalid_field("{\"current_password\":\"lk-secret-x1\"}", "new_password");
    expect_invalid_field("{\"current_password\":\"" PASSWORD "\",\"new_password\":\"lk-s-3\"}", "new_password");
    expect_invalid_field("{\"current_password\":\"" PASSWORD "\",\"new_password\":\"ILoveYou\"}", "new_password");
    expect_invalid_field("{\"current_password\":\"" PASSWORD "\",\"new_password\":\"" PASSWORD "\"}", "new_password");
    expect_invalid_field("{\"current_password\":\"" PASSWORD "\",\"new_password\":\"" NEW_PASSWORD "\",\"x\":1}", "x");
}

static void test_wrong_current_password_forbidden(void **state)
{
    struct lk_test_response response;

    (void)state;
    assert_int_equal(change(access_token, "lk-secret-not-it-4", NEW_PASSWORD, &response), 403);
    json_t *problem = lk_test_assert_problem(&response, 403);
    assert_string_equal(json_string_value(json_object_get(problem, "type")), "urn:latchkey:problem:invalid-credentials");
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* A change keeps the session that made it and ends every other one. */
static void test_change_ends_other_sessions(void **state)
{
    struct lk_test_response response;

    (void)state;
    char *other = login(PASSWORD);
    assert_non_null(other);
    assert_int_equal(change(access_token, PASSWORD, NEW_PASSWORD, &response), 204);
    assert_int_equal(response.body_length, 0);
    lk_test_response_dispose(&response);

    char *old_login = login(PASSWORD);
    assert_null(old_login);
    char *new_login = login(NEW_PASSWORD);
    assert_non_null(new_login);

    assert_true(lk_test_wait_inactive(lk_test_env("LK_TEST_BASE_URL"), other, 3000) >= 0);
    assert_int_equal(change(other, NEW_PASSWORD, "lk-secret-from-other-5", &response), 401);
    assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"), "error=\"invalid_token\""));
    lk_test_response_dispose(&response);
    assert_int_equal(change(access_token, NEW_PASSWORD, "lk-secret-again-6", &response), 204);
    lk_test_response_dispose(&response);
    free(other);
    free(new_login);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_token_gets_bearer_challenge),
        cmocka_unit_test(test_invalid_token_gets_invalid_token_error),
        cmocka_unit_test(test_invalid_bodies_rejected),
        cmocka_unit_test(test_wrong_current_password_forbidden),
        cmocka_unit_test(test_change_ends_other_sessions),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
