/* End-to-end checks of GET /v1/auth, the forward-auth endpoint for reverse proxies, called
 * directly: 200 with the X-Auth-* headers, 401 with an RFC 6750 challenge, 403 for
 * non-members, 400 for malformed organisation ids. test_nginx_forward_auth.c checks the
 * same through a real nginx. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"

#define NO_SUCH_ORG "00000000-0000-4000-8000-000000000000"

static char a_slug[64], a_id[37], b_slug[64], b_id[37];
static struct lk_test_user member, outsider;
static char member_bearer[4200], outsider_bearer[4200];

static int set_up(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_make_org("gate", a_slug, a_id);
    lk_test_make_org("other", b_slug, b_id);
    lk_test_make_user("gate-member", &member);
    lk_test_make_user("gate-outsider", &outsider);
    lk_test_add_member(a_slug, member.email, "admin");
    lk_test_add_member(b_slug, member.email, "member");
    lk_test_add_member(b_slug, outsider.email, "member");

    char *token = lk_test_login_token(&member, NULL);
    lk_test_bearer_header(token, member_bearer, sizeof(member_bearer));
    free(token);
    token = lk_test_login_token(&outsider, NULL);
    lk_test_bearer_header(token, outsider_bearer, sizeof(outsider_bearer));
    free(token);
    return 0;
}

static int tear_down(void **state)
{
    return lk_test_http_global_cleanup(state);
}

/* Sends METHOD PATH with up to two header lines and fails unless the status is EXPECTED. */
static void call(const char *method, const char *path, const char *first, const char *second,
                 long expected, struct lk_test_response *response)
{
    const char *headers[] = {first, second, NULL};
    struct lk_test_request request = {
        .method = method,
        .path = path,
        .extra_headers = headers,
    };

    lk_test_send(&request, response);
    if (response->status != expected) {
        fail_msg("%s %s: status %ld, expected %ld: %.300s", method, path, response->status,
                 expected, response->body);
    }
    lk_test_assert_security_headers(response);
}

static void org_header(const char *org_id, char *header, size_t size)
{
    snprintf(header, size, "X-Auth-Org-Id: %s", org_id);
}

static void test_token_without_org(void **state)
{
    struct lk_test_response response;

    (void)state;
    call("GET", "/v1/auth", member_bearer, NULL, 200, &response);
    lk_test_assert_header_equal(&response, "X-Auth-User-Id", member.id);
    assert_null(lk_test_header(&response, "X-Auth-Org-Id"));
    assert_null(lk_test_header(&response, "X-Auth-Role"));
    assert_int_equal(response.body_length, 0);
    lk_test_response_dispose(&response);
}

static void test_member_with_org(void **state)
{
    char query[160];
    char header[128];
    struct lk_test_response response;

    (void)state;
    snprintf(query, sizeof(query), "/v1/auth?org_id=%s", a_id);
    call("GET", query, member_bearer, NULL, 200, &response);
    lk_test_assert_header_equal(&response, "X-Auth-User-Id", member.id);
    lk_test_assert_header_equal(&response, "X-Auth-Org-Id", a_id);
    lk_test_assert_header_equal(&response, "X-Auth-Role", "admin");
    lk_test_response_dispose(&response);

    org_header(b_id, header, sizeof(header));
    call("GET", "/v1/auth", member_bearer, header, 200, &response);
    lk_test_assert_header_equal(&response, "X-Auth-Role", "member");
    lk_test_response_dispose(&response);

    /* Proxies forward the original method, so HEAD and POST are handled alike. */
    call("POST", query, member_bearer, NULL, 200, &response);
    lk_test_response_dispose(&response);
    call("HEAD", query, member_bearer, NULL, 200, &response);
    lk_test_response_dispose(&response);
}

static void test_non_member_is_forbidden(void **state)
{
    char query[160];
    char header[128];
    struct lk_test_response response;

    (void)state;
    snprintf(query, sizeof(query), "/v1/auth?org_id=%s", a_id);
    call("GET", query, outsider_bearer, NULL, 403, &response);
    json_decref(lk_test_assert_problem(&response, 403));
    assert_null(lk_test_header(&response, "X-Auth-User-Id"));
    lk_test_response_dispose(&response);

    org_header(NO_SUCH_ORG, header, sizeof(header));
    call("GET", "/v1/auth", outsider_bearer, header, 403, &response);
    lk_test_response_dispose(&response);
}

static void test_missing_and_bad_tokens(void **state)
{
    static const char *const bad[] = {
        "Authorization: Bearer not-a-token",
        "Authorization: Bearer a.b.c",
        "Authorization: Bearer ",
    };
    char query[160];
    struct lk_test_response response;

    (void)state;
    snprintf(query, sizeof(query), "/v1/auth?org_id=%s", a_id);
    call("GET", query, NULL, NULL, 401, &response);
    lk_test_assert_header_equal(&response, "WWW-Authenticate", "Bearer realm=\"latchkey\"");
    lk_test_response_dispose(&response);

    call("GET", query, "Authorization: Basic dXNlcjpwYXNz", NULL, 401, &response);
    lk_test_assert_header_equal(&response, "WWW-Authenticate", "Bearer realm=\"latchkey\"");
    lk_test_response_dispose(&response);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call("GET", query, bad[i], NULL, 401, &response);
        const char *challenge = lk_test_header(&response, "WWW-Authenticate");
        assert_non_null(challenge);
        assert_non_null(strstr(challenge, "Bearer realm=\"latchkey\""));
        if (strcmp(bad[i], "Authorization: Bearer ") != 0) {
            assert_non_null(strstr(challenge, "error=\"invalid_token\""));
        }
        lk_test_response_dispose(&response);
    }
}

static void test_malformed_org_ids(void **state)
{
    char query[160];
    char header[128];
    struct lk_test_response response;

    (void)state;
    call("GET", "/v1/auth?org_id=nope", member_bearer, NULL, 400, &response);
    json_t *problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "org_id"));
    json_decref(problem);
    lk_test_response_dispose(&response);

    call("GET", "/v1/auth", member_bearer, "X-Auth-Org-Id: nope", 400, &response);
    problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "X-Auth-Org-Id"));
    json_decref(problem);
    lk_test_response_dispose(&response);

    /* The query and the header name different organisations. */
    snprintf(query, sizeof(query), "/v1/auth?org_id=%s", a_id);
    org_header(b_id, header, sizeof(header));
    call("GET", query, member_bearer, header, 400, &response);
    lk_test_response_dispose(&response);

    call("GET", "/v1/auth?colour=red", member_bearer, NULL, 400, &response);
    problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "colour"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_scoped_token(void **state)
{
    char bearer[4200];
    char query[160];
    struct lk_test_response response;

    (void)state;
    char *token = lk_test_login_token(&member, a_id);
    lk_test_bearer_header(token, bearer, sizeof(bearer));
    free(token);

    /* Without a required organisation, the token's own is checked and reported. */
    call("GET", "/v1/auth", bearer, NULL, 200, &response);
    lk_test_assert_header_equal(&response, "X-Auth-Org-Id", a_id);
    lk_test_assert_header_equal(&response, "X-Auth-Role", "admin");
    lk_test_response_dispose(&response);

    snprintf(query, sizeof(query), "/v1/auth?org_id=%s", b_id);
    call("GET", query, bearer, NULL, 403, &response);
    lk_test_response_dispose(&response);
}

/* Envoy's ext_authz appends the original path and query, which are then ignored. */
static void test_path_suffix_for_envoy(void **state)
{
    char header[128];
    struct lk_test_response response;

    (void)state;
    org_header(a_id, header, sizeof(header));
    call("GET", "/v1/auth/api/reports?colour=red", member_bearer, header, 200, &response);
    lk_test_assert_header_equal(&response, "X-Auth-Org-Id", a_id);
    lk_test_response_dispose(&response);

    call("GET", "/v1/auth/api/reports", outsider_bearer, header, 403, &response);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_without_org),
        cmocka_unit_test(test_member_with_org),
        cmocka_unit_test(test_non_member_is_forbidden),
        cmocka_unit_test(test_missing_and_bad_tokens),
        cmocka_unit_test(test_malformed_org_ids),
        cmocka_unit_test(test_scoped_token),
        cmocka_unit_test(test_path_suffix_for_envoy),
    };

    return cmocka_run_group_tests(tests, set_up, tear_down);
}
