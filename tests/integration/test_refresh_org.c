/* End-to-end checks of organisation scoping on POST /v1/token/refresh. A refresh keeps the
 * session's organisation with the user's current role, and "org_id" switches the session
 * to another organisation. A user who is not (or no longer) a member gets 403, with the
 * refresh token left unused. Retries within the grace period keep the scope, and tokens
 * that do not refresh get 401 whatever organisation they name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/database.h"
#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"
#include "support/session_client.h"
#include "support/token_parts.h"

#define NOT_MEMBER_TYPE "urn:latchkey:problem:not-a-member"
#define INVALID_TOKEN_TYPE "urn:latchkey:problem:invalid-refresh-token"

/* Organisations A and B, of which the tests' users are members, and C, of which none is. */
static char a_slug[64], a_id[37], b_slug[64], b_id[37], c_slug[64], c_id[37];

static int set_up(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_make_org("refresh-a", a_slug, a_id);
    lk_test_make_org("refresh-b", b_slug, b_id);
    lk_test_make_org("refresh-c", c_slug, c_id);
    return 0;
}

static int tear_down(void **state)
{
    lk_test_db_close();
    return lk_test_http_global_cleanup(state);
}

/* Makes a user who is a "member" of A and an "owner" of B. */
static void make_member_of_a_and_b(const char *name, struct lk_test_user *user)
{
    lk_test_make_user(name, user);
    lk_test_add_member(a_slug, user->email, "member");
    lk_test_add_member(b_slug, user->email, "owner");
}

/* Reads the access and refresh tokens of a 200 token response into TOKENS. */
static void read_tokens(const struct lk_test_response *response, struct lk_test_tokens *tokens)
{
    json_t *document = lk_test_json_body(response);
    const char *access = json_string_value(json_object_get(document, "access_token"));
    const char *refresh = json_string_value(json_object_get(document, "refresh_token"));

    assert_non_null(access);
    assert_non_null(refresh);
    tokens->access_token = strdup(access);
    tokens->refresh_token = strdup(refresh);
    assert_non_null(tokens->access_token);
    assert_non_null(tokens->refresh_token);
    lk_test_record_token(tokens->access_token);
    lk_test_record_token(tokens->refresh_token);
    json_decref(document);
}

/* Logs USER in, scoped to ORG_ID unless it is NULL, failing unless the response is 200. */
static void login(const struct lk_test_user *user, const char *org_id,
                  struct lk_test_tokens *tokens)
{
    json_t *request = json_pack("{s:s, s:s}", "email", user->email, "password", user->password);
    struct lk_test_response response;

    if (org_id != NULL) {
        json_object_set_new(request, "org_id", json_string(org_id));
    }
    char *body = json_dumps(request, JSON_COMPACT);
    assert_non_null(body);
    lk_test_post_json("/v1/login", body, &response);
    if (response.status != 200) {
        fail_msg("login of %s returned %ld: %.300s", user->email, response.status, response.body);
    }
    read_tokens(&response, tokens);
    lk_test_response_dispose(&response);
    free(body);
    json_decref(request);
}

/* POSTs BODY to /v1/token/refresh at BASE_URL (LK_TEST_BASE_URL when NULL) and stores
 * the status in STATUS. A 200 fills TOKENS and returns NULL. Any other status leaves
 * TOKENS empty and returns the checked problem document, which the caller owns. */
static json_t *refresh_body(const char *base_url, const char *body, struct lk_test_tokens *tokens,
                            long *status)
{
    struct lk_test_response response;
    json_t *problem = NULL;

    memset(tokens, 0, sizeof *tokens);
    lk_test_post_json_at(base_url, "/v1/token/refresh", body, &response);
    lk_test_assert_security_headers(&response);
    *status = response.status;
    if (response.status == 200) {
        lk_test_assert_header_equal(&response, "Cache-Control", "no-store");
        read_tokens(&response, tokens);
    } else {
        problem = lk_test_assert_problem(&response, response.status);
    }
    lk_test_response_dispose(&response);
    return problem;
}

/* Refreshes REFRESH_TOKEN at BASE_URL with {"org_id": ORG_ID} unless ORG_ID is NULL. */
static json_t *refresh(const char *base_url, const char *refresh_token, const char *org_id,
                       struct lk_test_tokens *tokens, long *status)
{
    json_t *request = json_pack("{s:s}", "refresh_token", refresh_token);

    if (org_id != NULL) {
        json_object_set_new(request, "org_id", json_string(org_id));
    }
    char *body = json_dumps(request, JSON_COMPACT);
    assert_non_null(body);
    json_t *problem = refresh_body(base_url, body, tokens, status);
    free(body);
    json_decref(request);
    return problem;
}

/* Refreshes and fails unless the response is 200. */
static void refresh_ok(const char *refresh_token, const char *org_id,
                       struct lk_test_tokens *tokens)
{
    long status;
    json_t *problem = refresh(NULL, refresh_token, org_id, tokens, &status);

    if (status != 200) {
        char *text = json_dumps(problem, JSON_COMPACT);
        fail_msg("refresh with org_id %s returned %ld: %s", org_id ? org_id : "(none)", status,
                 text);
    }
}

/* Refreshes and fails unless the response is a problem with STATUS and TYPE. Returns the
 * problem's detail (malloc'ed). */
static char *refresh_rejected(const char *base_url, const char *refresh_token, const char *org_id,
                              long expected_status, const char *expected_type)
{
    struct lk_test_tokens tokens;
    long status;
    json_t *problem = refresh(base_url, refresh_token, org_id, &tokens, &status);

    if (status != expected_status) {
        lk_test_tokens_dispose(&tokens);
        fail_msg("refresh with org_id %s returned %ld, expected %ld", org_id ? org_id : "(none)",
                 status, expected_status);
    }
    assert_string_equal(json_string_value(json_object_get(problem, "type")), expected_type);
    const char *detail = json_string_value(json_object_get(problem, "detail"));
    char *copy = strdup(detail != NULL ? detail : "");
    assert_non_null(copy);
    json_decref(problem);
    return copy;
}

/* Fails unless ACCESS_TOKEN carries org_id ORG_ID and role ROLE, or neither when ORG_ID is
 * NULL. */
static void assert_scope(const char *access_token, const char *org_id, const char *role)
{
    json_t *claims = lk_test_token_segment_json(access_token, 1);
    json_t *org_claim = json_object_get(claims, "org_id");
    json_t *role_claim = json_object_get(claims, "role");

    if (org_id == NULL) {
        assert_null(org_claim);
        assert_null(role_claim);
    } else {
        assert_non_null(json_string_value(org_claim));
        assert_string_equal(json_string_value(org_claim), org_id);
        assert_non_null(json_string_value(role_claim));
        assert_string_equal(json_string_value(role_claim), role);
    }
    json_decref(claims);
}

/* Returns the org_id column of REFRESH_TOKEN's session, "" when it is NULL (malloc'ed). */
static char *session_org(const char *refresh_token)
{
    char *session_id = lk_test_session_of(refresh_token);
    char sql[160];

    snprintf(sql, sizeof sql, "SELECT coalesce(org_id::text, '') FROM sessions WHERE id = '%s'",
             session_id);
    free(session_id);
    return lk_test_sql(sql);
}

static void test_refresh_keeps_org_and_role(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, refreshed;

    (void)state;
    make_member_of_a_and_b("keeps", &user);
    login(&user, a_id, &logged_in);
    assert_scope(logged_in.access_token, a_id, "member");

    refresh_ok(logged_in.refresh_token, NULL, &refreshed);
    assert_scope(refreshed.access_token, a_id, "member");
    char *before = lk_test_session_claim(logged_in.access_token);
    char *after = lk_test_session_claim(refreshed.access_token);
    assert_string_equal(after, before);

    free(before);
    free(after);
    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&refreshed);
}

static void test_refresh_unscoped_stays_unscoped(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, refreshed;

    (void)state;
    make_member_of_a_and_b("unscoped", &user);
    login(&user, NULL, &logged_in);
    refresh_ok(logged_in.refresh_token, NULL, &refreshed);
    assert_scope(refreshed.access_token, NULL, NULL);

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&refreshed);
}

static void test_role_change_reaches_next_refresh(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, promoted, demoted;

    (void)state;
    make_member_of_a_and_b("promoted", &user);
    login(&user, a_id, &logged_in);

    lk_test_add_member(a_slug, user.email, "admin");
    refresh_ok(logged_in.refresh_token, NULL, &promoted);
    assert_scope(promoted.access_token, a_id, "admin");

    lk_test_add_member(a_slug, user.email, "member");
    refresh_ok(promoted.refresh_token, NULL, &demoted);
    assert_scope(demoted.access_token, a_id, "member");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&promoted);
    lk_test_tokens_dispose(&demoted);
}

static void test_switch_to_member_org_sticks(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, switched, stayed;

    (void)state;
    make_member_of_a_and_b("switch", &user);
    login(&user, a_id, &logged_in);

    refresh_ok(logged_in.refresh_token, b_id, &switched);
    assert_scope(switched.access_token, b_id, "owner");
    char *org = session_org(switched.refresh_token);
    assert_string_equal(org, b_id);
    free(org);

    refresh_ok(switched.refresh_token, NULL, &stayed);
    assert_scope(stayed.access_token, b_id, "owner");
    char *before = lk_test_session_claim(logged_in.access_token);
    char *after = lk_test_session_claim(stayed.access_token);
    assert_string_equal(after, before);

    free(before);
    free(after);
    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&switched);
    lk_test_tokens_dispose(&stayed);
}

static void test_switch_from_unscoped_session(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, switched, stayed;

    (void)state;
    make_member_of_a_and_b("from-unscoped", &user);
    login(&user, NULL, &logged_in);
    refresh_ok(logged_in.refresh_token, a_id, &switched);
    assert_scope(switched.access_token, a_id, "member");
    refresh_ok(switched.refresh_token, NULL, &stayed);
    assert_scope(stayed.access_token, a_id, "member");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&switched);
    lk_test_tokens_dispose(&stayed);
}

static void test_switch_accepts_upper_case_org_id(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, switched;
    char upper[37];

    (void)state;
    make_member_of_a_and_b("upper", &user);
    for (size_t i = 0; i < sizeof upper; i++) {
        upper[i] = (char)toupper((unsigned char)b_id[i]);
    }
    login(&user, a_id, &logged_in);
    refresh_ok(logged_in.refresh_token, upper, &switched);
    assert_scope(switched.access_token, b_id, "owner");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&switched);
}

static void test_switch_to_other_org_keeps_token(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, after;

    (void)state;
    make_member_of_a_and_b("outsider", &user);
    login(&user, a_id, &logged_in);

    char *detail = refresh_rejected(NULL, logged_in.refresh_token, c_id, 403, NOT_MEMBER_TYPE);
    assert_non_null(strstr(detail, "requested organisation"));
    free(detail);
    char *org = session_org(logged_in.refresh_token);
    assert_string_equal(org, a_id);
    free(org);

    refresh_ok(logged_in.refresh_token, NULL, &after);
    assert_scope(after.access_token, a_id, "member");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&after);
}

static void test_switch_to_unknown_org_is_not_member(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, after;

    (void)state;
    make_member_of_a_and_b("unknown-org", &user);
    login(&user, a_id, &logged_in);
    free(refresh_rejected(NULL, logged_in.refresh_token, "00000000-0000-4000-8000-000000000000",
                          403, NOT_MEMBER_TYPE));
    refresh_ok(logged_in.refresh_token, NULL, &after);
    assert_scope(after.access_token, a_id, "member");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&after);
}

static void test_removed_member_refresh_rejected(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, switched;

    (void)state;
    make_member_of_a_and_b("removed", &user);
    login(&user, a_id, &logged_in);
    lk_test_remove_member(a_slug, user.email);

    char *detail = refresh_rejected(NULL, logged_in.refresh_token, NULL, 403, NOT_MEMBER_TYPE);
    assert_non_null(strstr(detail, "org_id"));
    assert_non_null(strstr(detail, "log in again"));
    free(detail);

    refresh_ok(logged_in.refresh_token, b_id, &switched);
    assert_scope(switched.access_token, b_id, "owner");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&switched);
}

static void test_retry_keeps_switched_scope(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, switched, retried, unnamed, next;
    long status;
    const char *second = lk_test_env("LK_TEST_SECOND_BASE_URL");

    (void)state;
    make_member_of_a_and_b("retry", &user);
    login(&user, a_id, &logged_in);
    refresh_ok(logged_in.refresh_token, b_id, &switched);

    assert_null(refresh(second, logged_in.refresh_token, b_id, &retried, &status));
    assert_int_equal(status, 200);
    assert_string_equal(retried.refresh_token, switched.refresh_token);
    assert_scope(retried.access_token, b_id, "owner");

    assert_null(refresh(second, logged_in.refresh_token, NULL, &unnamed, &status));
    assert_int_equal(status, 200);
    assert_string_equal(unnamed.refresh_token, switched.refresh_token);
    assert_scope(unnamed.access_token, b_id, "owner");

    free(refresh_rejected(NULL, logged_in.refresh_token, a_id, 401, INVALID_TOKEN_TYPE));
    refresh_ok(switched.refresh_token, NULL, &next);
    assert_scope(next.access_token, b_id, "owner");

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&switched);
    lk_test_tokens_dispose(&retried);
    lk_test_tokens_dispose(&unnamed);
    lk_test_tokens_dispose(&next);
}

/* A rotated token presented again is reuse and ends the session, also when it names an
 * organisation the user does not belong to. The response is 401, never the 403 that would
 * reveal the user's memberships to the presenter. */
static void test_reused_token_with_other_org_is_401(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in, rotated;
    const char *no_grace = lk_test_env("LK_TEST_NO_GRACE_BASE_URL");

    (void)state;
    make_member_of_a_and_b("reuse", &user);
    login(&user, a_id, &logged_in);
    refresh_ok(logged_in.refresh_token, NULL, &rotated);

    free(refresh_rejected(no_grace, logged_in.refresh_token, c_id, 401, INVALID_TOKEN_TYPE));
    free(refresh_rejected(NULL, rotated.refresh_token, NULL, 401, INVALID_TOKEN_TYPE));

    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&rotated);
}

static void test_ended_session_with_other_org_is_401(void **state)
{
    struct lk_test_user user;
    struct lk_test_tokens logged_in;
    struct lk_test_response response;

    (void)state;
    make_member_of_a_and_b("ended", &user);
    login(&user, a_id, &logged_in);
    json_t *request = json_pack("{s:s}", "refresh_token", logged_in.refresh_token);
    char *body = json_dumps(request, JSON_COMPACT);
    lk_test_post_json("/v1/logout", body, &response);
    assert_int_equal(response.status, 204);
    lk_test_response_dispose(&response);

    free(refresh_rejected(NULL, logged_in.refresh_token, c_id, 401, INVALID_TOKEN_TYPE));
    free(refresh_rejected(NULL, logged_in.refresh_token, b_id, 401, INVALID_TOKEN_TYPE));

    free(body);
    json_decref(request);
    lk_test_tokens_dispose(&logged_in);
}

static void test_malformed_org_id_is_invalid(void **state)
{
    static const char *const malformed[] = {
        "not-a-uuid",
        "",
        "0b6c1f0e3d2a4c5b9e8f7a6b5c4d3e2f",
        "0b6c1f0e-3d2a-4c5b-9e8f-7a6b5c4d3e2",
        "0b6c1f0e-3d2a-4c5b-9e8f-7a6b5c4d3e2fa",
        "0b6c1f0e-3d2a-4c5b-9e8f-7a6b5c4d3e2g",
    };
    struct lk_test_user user;
    struct lk_test_tokens logged_in, tokens, after;
    char body[256];
    long status;

    (void)state;
    make_member_of_a_and_b("malformed", &user);
    login(&user, a_id, &logged_in);
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        snprintf(body, sizeof body, "{\"refresh_token\":\"%s\",\"org_id\":\"%s\"}",
                 logged_in.refresh_token, malformed[i]);
        json_t *problem = refresh_body(NULL, body, &tokens, &status);
        if (status != 400) {
            fail_msg("org_id \"%s\": status %ld, expected 400", malformed[i], status);
        }
        assert_true(lk_test_problem_names_field(problem, "org_id"));
        json_decref(problem);
    }

    static const char *const wrong_types[] = {"null", "42", "true", "[]", "{}"};
    for (size_t i = 0; i < sizeof wrong_types / sizeof wrong_types[0]; i++) {
        snprintf(body, sizeof body, "{\"refresh_token\":\"%s\",\"org_id\":%s}",
                 logged_in.refresh_token, wrong_types[i]);
        json_t *problem = refresh_body(NULL, body, &tokens, &status);
        if (status != 400) {
            fail_msg("org_id %s: status %ld, expected 400", wrong_types[i], status);
        }
        assert_true(lk_test_problem_names_field(problem, "org_id"));
        json_decref(problem);
    }

    refresh_ok(logged_in.refresh_token, NULL, &after);
    assert_scope(after.access_token, a_id, "member");
    lk_test_tokens_dispose(&logged_in);
    lk_test_tokens_dispose(&after);
}

static void test_unknown_token_with_org_is_401(void **state)
{
    (void)state;
    free(refresh_rejected(NULL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", a_id, 401,
                          INVALID_TOKEN_TYPE));
    free(refresh_rejected(NULL, "not a refresh token", c_id, 401, INVALID_TOKEN_TYPE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_keeps_org_and_role),
        cmocka_unit_test(test_refresh_unscoped_stays_unscoped),
        cmocka_unit_test(test_role_change_reaches_next_refresh),
        cmocka_unit_test(test_switch_to_member_org_sticks),
        cmocka_unit_test(test_switch_from_unscoped_session),
        cmocka_unit_test(test_switch_accepts_upper_case_org_id),
        cmocka_unit_test(test_switch_to_other_org_keeps_token),
        cmocka_unit_test(test_switch_to_unknown_org_is_not_member),
        cmocka_unit_test(test_removed_member_refresh_rejected),
        cmocka_unit_test(test_retry_keeps_switched_scope),
        cmocka_unit_test(test_reused_token_with_other_org_is_401),
        cmocka_unit_test(test_ended_session_with_other_org_is_401),
        cmocka_unit_test(test_malformed_org_id_is_invalid),
        cmocka_unit_test(test_unknown_token_with_org_is_401),
    };

    return cmocka_run_group_tests(tests, set_up, tear_down);
}
