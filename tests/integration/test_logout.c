/* End-to-end checks of ending sessions: POST /v1/logout, POST /v1/logout/all and RFC 7009
 * POST /oauth/revoke, their rejected inputs, and how fast verify on both instances
 * reports the ended sessions' access tokens inactive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/database.h"
#include "support/http_client.h"
#include "support/response_checks.h"
#include "support/session_client.h"

enum { PROPAGATION_LIMIT_MS = 1000 };

static char *user_email;

static int setup_group(void **state)
{
    (void)state;
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    user_email = lk_test_create_user("logout");
    return 0;
}

static int teardown_group(void **state)
{
    free(user_email);
    lk_test_db_close();
    return lk_test_http_global_cleanup(state);
}

static void login(struct lk_test_tokens *tokens)
{
    lk_test_login_at(NULL, user_email, LK_TEST_SESSION_PASSWORD, tokens);
}

/* Fails unless verify on both instances reports ACCESS_TOKEN inactive within a second. */
static void assert_inactive_everywhere(const char *access_token)
{
    static const char *const instances[] = {"LK_TEST_BASE_URL", "LK_TEST_SECOND_BASE_URL"};

    for (size_t i = 0; i < sizeof(instances) / sizeof(instances[0]); i++) {
        long elapsed = lk_test_wait_inactive(lk_test_env(instances[i]), access_token,
                                             PROPAGATION_LIMIT_MS);
        if (elapsed < 0) {
            fail_msg("%s still reports the token active after %d ms", instances[i],
                     PROPAGATION_LIMIT_MS);
        }
    }
}

/* POSTs {"refresh_token": TOKEN} to /v1/logout and returns the status. */
static long logout(const char *refresh_token)
{
    char body[256];
    struct lk_test_response response;
    long status;

    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", refresh_token);
    lk_test_post_json("/v1/logout", body, &response);
    status = response.status;
    if (status == 204) {
        assert_int_equal(response.body_length, 0);
        lk_test_assert_security_headers(&response);
    }
    lk_test_response_dispose(&response);
    return status;
}

static long refresh_status(const char *refresh_token)
{
    struct lk_test_refresh_result result;
    long status;

    lk_test_refresh(NULL, refresh_token, &result);
    status = result.status;
    lk_test_refresh_result_dispose(&result);
    return status;
}

static void test_logout_ends_session(void **state)
{
    struct lk_test_tokens tokens;
    char *session_id;
    const char *values[1];

    (void)state;
    login(&tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    assert_true(lk_test_token_active(lk_test_env("LK_TEST_SECOND_BASE_URL"), tokens.access_token));

    assert_int_equal(logout(tokens.refresh_token), 204);
    assert_inactive_everywhere(tokens.access_token);
    assert_int_equal(refresh_status(tokens.refresh_token), 401);

    values[0] = session_id;
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM sessions WHERE id = $1::uuid"
                                        " AND revoked_reason = 'logout'", 1, values), 1);
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM audit_events"
                                        " WHERE event = 'session.ended'"
                                        " AND details->>'session_id' = $1", 1, values), 1);
    free(session_id);
    lk_test_tokens_dispose(&tokens);
}

static void test_logout_twice_succeeds(void **state)
{
    struct lk_test_tokens tokens;

    (void)state;
    login(&tokens);
    assert_int_equal(logout(tokens.refresh_token), 204);
    assert_int_equal(logout(tokens.refresh_token), 204);
    lk_test_tokens_dispose(&tokens);
}

/* Any token of the family ends the session, a rotated one too. */
static void test_logout_with_rotated_token(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result refreshed;

    (void)state;
    login(&tokens);
    lk_test_refresh(NULL, tokens.refresh_token, &refreshed);
    assert_int_equal(refreshed.status, 200);

    assert_int_equal(logout(tokens.refresh_token), 204);
    assert_int_equal(refresh_status(refreshed.tokens.refresh_token), 401);
    assert_inactive_everywhere(refreshed.tokens.access_token);

    lk_test_refresh_result_dispose(&refreshed);
    lk_test_tokens_dispose(&tokens);
}

/* Unknown and malformed tokens get 204, so logout does not reveal which tokens exist. */
static void test_logout_unknown_token_succeeds(void **state)
{
    (void)state;
    assert_int_equal(logout("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 204);
    assert_int_equal(logout("not a refresh token"), 204);
}

/* Sends BODY with CONTENT_TYPE to PATH with the extra HEADERS and returns the response. */
static void post(const char *path, const char *content_type, const char *body,
                 const char *const *headers, struct lk_test_response *response)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = content_type,
        .body = body,
        .body_length = body != NULL ? strlen(body) : 0,
        .extra_headers = headers,
    };

    lk_test_send(&request, response);
}

static void test_logout_rejects_invalid_bodies(void **state)
{
    static const struct {
        const char *content_type;
        const char *body;
        long status;
    } cases[] = {
        {"application/json", "{}", 400},
        {"application/json", "{\"refresh_token\":1}", 400},
        {"application/json", "{\"refresh_token\":\"\"}", 400},
        {"application/json", "[]", 400},
        {"text/plain", "refresh_token", 415},
        {NULL, "{\"refresh_token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 415},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lk_test_response response;
        post("/v1/logout", cases[i].content_type, cases[i].body, NULL, &response);
        if (response.status != cases[i].status) {
            fail_msg("logout case %zu returned %ld, expected %ld", i, response.status,
                     cases[i].status);
        }
        json_decref(lk_test_assert_problem(&response, cases[i].status));
        lk_test_response_dispose(&response);
    }
}

/* POSTs to /v1/logout/all with AUTHORIZATION (a full header line, or NULL). */
static void logout_all(const char *authorization, const char *content_type, const char *body,
                       struct lk_test_response *response)
{
    const char *headers[] = {authorization, NULL};

    post("/v1/logout/all", content_type, body, authorization != NULL ? headers : NULL,
         response);
}

static char *bearer_header(const char *access_token)
{
    char *header = NULL;

    assert_true(asprintf(&header, "Authorization: Bearer %s", access_token) > 0);
    return header;
}

static void test_logout_all_ends_every_session(void **state)
{
    char *email = lk_test_create_user("logout-all");
    struct lk_test_tokens first;
    struct lk_test_tokens second;
    struct lk_test_tokens other_user;
    struct lk_test_response response;
    char *header;

    (void)state;
    lk_test_login_at(NULL, email, LK_TEST_SESSION_PASSWORD, &first);
    lk_test_login_at(lk_test_env("LK_TEST_SECOND_BASE_URL"), email, LK_TEST_SESSION_PASSWORD,
                     &second);
    login(&other_user);

    header = bearer_header(first.access_token);
    logout_all(header, NULL, NULL, &response);
    assert_int_equal(response.status, 204);
    lk_test_response_dispose(&response);

    assert_inactive_everywhere(first.access_token);
    assert_inactive_everywhere(second.access_token);
    assert_int_equal(refresh_status(first.refresh_token), 401);
    assert_int_equal(refresh_status(second.refresh_token), 401);

    /* Another user's session is untouched. */
    assert_true(lk_test_token_active(NULL, other_user.access_token));
    assert_int_equal(refresh_status(other_user.refresh_token), 200);

    /* The ended session's access token no longer authenticates. */
    logout_all(header, NULL, NULL, &response);
    assert_int_equal(response.status, 401);
    assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"), "invalid_token"));
    lk_test_response_dispose(&response);

    char *user_session = lk_test_session_claim(first.access_token);
    const char *values[] = {user_session};
    assert_int_equal(lk_test_db_integer("SELECT (details->>'sessions')::int FROM audit_events"
                                        " WHERE event = 'session.ended_all' AND subject ="
                                        " (SELECT user_id::text FROM sessions WHERE id = $1::uuid)",
                                        1, values),
                     2);
    free(user_session);
    free(header);
    free(email);
    lk_test_tokens_dispose(&first);
    lk_test_tokens_dispose(&second);
    lk_test_tokens_dispose(&other_user);
}

static void test_logout_all_requires_bearer(void **state)
{
    static const char *const headers[] = {
        NULL,
        "Authorization: Basic dXNlcjpwYXNz",
        "Authorization: Bearer",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        struct lk_test_response response;
        logout_all(headers[i], NULL, NULL, &response);
        assert_int_equal(response.status, 401);
        assert_string_equal(lk_test_header(&response, "WWW-Authenticate"),
                            "Bearer realm=\"latchkey\"");
        json_decref(lk_test_assert_problem(&response, 401));
        lk_test_response_dispose(&response);
    }
}

static void test_logout_all_rejects_invalid_bearer(void **state)
{
    struct lk_test_tokens tokens;
    char *tampered;
    char *header;

    (void)state;
    login(&tokens);
    tampered = strdup(tokens.access_token);
    assert_non_null(tampered);
    tampered[strlen(tampered) - 2] = tampered[strlen(tampered) - 2] == 'A' ? 'B' : 'A';

    const char *const tokens_to_try[] = {"garbage", "a.b.c", tampered};
    for (size_t i = 0; i < sizeof(tokens_to_try) / sizeof(tokens_to_try[0]); i++) {
        struct lk_test_response response;
        header = bearer_header(tokens_to_try[i]);
        logout_all(header, NULL, NULL, &response);
        assert_int_equal(response.status, 401);
        assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"),
                               "Bearer realm=\"latchkey\", error=\"invalid_token\""));
        json_decref(lk_test_assert_problem(&response, 401));
        lk_test_response_dispose(&response);
        free(header);
    }

    /* The session survived every rejected attempt. */
    assert_true(lk_test_token_active(NULL, tokens.access_token));
    free(tampered);
    lk_test_tokens_dispose(&tokens);
}

static void test_logout_all_rejects_body_fields(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_response response;
    char *header;

    (void)state;
    login(&tokens);
    header = bearer_header(tokens.access_token);

    logout_all(header, "application/json", "{\"everything\":true}", &response);
    assert_int_equal(response.status, 400);
    json_t *problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "everything"));
    json_decref(problem);
    lk_test_response_dispose(&response);

    logout_all(header, "text/plain", "everything", &response);
    assert_int_equal(response.status, 415);
    lk_test_response_dispose(&response);

    assert_true(lk_test_token_active(NULL, tokens.access_token));
    logout_all(header, "application/json", "{}", &response);
    assert_int_equal(response.status, 204);
    lk_test_response_dispose(&response);

    free(header);
    lk_test_tokens_dispose(&tokens);
}

/* POSTs a form body to /oauth/revoke and returns the response. */
static void revoke(const char *form, struct lk_test_response *response)
{
    post("/oauth/revoke", "application/x-www-form-urlencoded", form, NULL, response);
}

/* Checks an RFC 6749 error body with ERROR. */
static void assert_oauth_error(const struct lk_test_response *response, long status,
                               const char *error)
{
    json_t *document;

    assert_int_equal(response->status, status);
    document = lk_test_json_body(response);
    assert_string_equal(json_string_value(json_object_get(document, "error")), error);
    assert_true(json_is_string(json_object_get(document, "error_description")));
    json_decref(document);
}

static void test_revoke_ends_session(void **state)
{
    static const char *const hints[] = {"", "&token_type_hint=refresh_token",
                                        "&token_type_hint=access_token&client_id=app"};

    (void)state;
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        struct lk_test_tokens tokens;
        struct lk_test_response response;
        char form[256];

        login(&tokens);
        snprintf(form, sizeof form, "token=%s%s", tokens.refresh_token, hints[i]);
        revoke(form, &response);
        assert_int_equal(response.status, 200);
        lk_test_assert_header_equal(&response, "Cache-Control", "no-store");
        lk_test_response_dispose(&response);

        assert_int_equal(refresh_status(tokens.refresh_token), 401);
        assert_inactive_everywhere(tokens.access_token);
        lk_test_tokens_dispose(&tokens);
    }
}

static void test_revoke_unknown_token_succeeds(void **state)
{
    static const char *const forms[] = {
        "token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "token=unknown",
        "token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&token_type_hint=something_else",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct lk_test_response response;
        revoke(forms[i], &response);
        assert_int_equal(response.status, 200);
        lk_test_response_dispose(&response);
    }
}

static void test_revoke_access_token_unsupported(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_response response;
    char form[2048];

    (void)state;
    login(&tokens);
    snprintf(form, sizeof form, "token=%s&token_type_hint=access_token", tokens.access_token);
    revoke(form, &response);
    assert_oauth_error(&response, 400, "unsupported_token_type");
    lk_test_response_dispose(&response);
    assert_true(lk_test_token_active(NULL, tokens.access_token));
    lk_test_tokens_dispose(&tokens);
}

static void test_revoke_rejects_invalid_requests(void **state)
{
    struct lk_test_response response;

    (void)state;
    revoke("token_type_hint=refresh_token", &response);
    assert_oauth_error(&response, 400, "invalid_request");
    lk_test_response_dispose(&response);

    revoke("token=a&unknown=1", &response);
    assert_oauth_error(&response, 400, "invalid_request");
    lk_test_response_dispose(&response);

    post("/oauth/revoke", "application/json", "{\"token\":\"x\"}", NULL, &response);
    assert_oauth_error(&response, 415, "invalid_request");
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logout_ends_session),
        cmocka_unit_test(test_logout_twice_succeeds),
        cmocka_unit_test(test_logout_with_rotated_token),
        cmocka_unit_test(test_logout_unknown_token_succeeds),
        cmocka_unit_test(test_logout_rejects_invalid_bodies),
        cmocka_unit_test(test_logout_all_ends_every_session),
        cmocka_unit_test(test_logout_all_requires_bearer),
        cmocka_unit_test(test_logout_all_rejects_invalid_bearer),
        cmocka_unit_test(test_logout_all_rejects_body_fields),
        cmocka_unit_test(test_revoke_ends_session),
        cmocka_unit_test(test_revoke_unknown_token_succeeds),
        cmocka_unit_test(test_revoke_access_token_unsupported),
        cmocka_unit_test(test_revoke_rejects_invalid_requests),
    };

    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
