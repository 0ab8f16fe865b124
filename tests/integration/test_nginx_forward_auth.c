/* End-to-end checks of forward authentication through a real nginx running
 * docs/nginx-forward-auth.conf (started by tests/run.sh at LK_TEST_NGINX_URL): nginx asks
 * GET /v1/auth over TLS on every request and lets members through to the application,
 * which echoes the X-Auth-* headers it received. Non-members and anonymous callers never
 * reach it. */
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

static char org_slug[64], org_id[37];
static struct lk_test_user member, outsider;
static char member_bearer[4200], outsider_bearer[4200];

static int set_up(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_make_org("proxied", org_slug, org_id);
    lk_test_make_user("proxied-member", &member);
    lk_test_make_user("proxied-outsider", &outsider);
    lk_test_add_member(org_slug, member.email, "member");

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

/* Sends GET PATH through nginx with up to two header lines. */
static void through_nginx(const char *path, const char *first, const char *second,
                          struct lk_test_response *response)
{
    const char *headers[] = {first, second, NULL};
    struct lk_test_request request = {
        .path = path,
        .extra_headers = headers,
        .version = LK_TEST_HTTP_1_1,
        .base_url = lk_test_env("LK_TEST_NGINX_URL"),
    };

    lk_test_send(&request, response);
}

static void test_member_reaches_application(void **state)
{
    char path[160];
    char expected[256];
    struct lk_test_response response;

    (void)state;
    snprintf(path, sizeof(path), "/orgs/%s/reports", org_id);
    through_nginx(path, member_bearer, NULL, &response);
    assert_int_equal(response.status, 200);
    snprintf(expected, sizeof(expected), "user=%s org=%s role=member\n", member.id, org_id);
    assert_string_equal(response.body, expected);
    lk_test_response_dispose(&response);
}

static void test_signed_in_user_reaches_unscoped_route(void **state)
{
    char expected[256];
    struct lk_test_response response;

    (void)state;
    through_nginx("/anything", outsider_bearer, NULL, &response);
    assert_int_equal(response.status, 200);
    snprintf(expected, sizeof(expected), "user=%s org= role=\n", outsider.id);
    assert_string_equal(response.body, expected);
    lk_test_response_dispose(&response);
}

static void test_non_member_is_stopped(void **state)
{
    char path[160];
    struct lk_test_response response;

    (void)state;
    snprintf(path, sizeof(path), "/orgs/%s/reports", org_id);
    through_nginx(path, outsider_bearer, NULL, &response);
    assert_int_equal(response.status, 403);
    assert_null(strstr(response.body, "user="));
    lk_test_response_dispose(&response);
}

static void test_anonymous_caller_is_stopped(void **state)
{
    char path[160];
    struct lk_test_response response;

    (void)state;
    snprintf(path, sizeof(path), "/orgs/%s/reports", org_id);
    through_nginx(path, NULL, NULL, &response);
    assert_int_equal(response.status, 401);
    assert_null(strstr(response.body, "user="));
    /* nginx passes latchkey's challenge on to the client. */
    const char *challenge = lk_test_header(&response, "WWW-Authenticate");
    assert_non_null(challenge);
    assert_string_equal(challenge, "Bearer realm=\"latchkey\"");
    lk_test_response_dispose(&response);

    through_nginx("/anything", "Authorization: Bearer forged.token.here", NULL, &response);
    assert_int_equal(response.status, 401);
    lk_test_response_dispose(&response);
}

/* Headers a client sends itself must not reach the application. */
static void test_spoofed_headers_are_replaced(void **state)
{
    char path[160];
    char expected[256];
    struct lk_test_response response;

    (void)state;
    through_nginx("/anything", member_bearer, "X-Auth-Role: owner", &response);
    assert_int_equal(response.status, 200);
    snprintf(expected, sizeof(expected), "user=%s org= role=\n", member.id);
    assert_string_equal(response.body, expected);
    lk_test_response_dispose(&response);

    /* An organisation header from the client reaches neither latchkey nor the application
     * on a route that names no organisation. */
    char header[128];
    snprintf(header, sizeof(header), "X-Auth-Org-Id: %s", org_id);
    through_nginx("/anything", outsider_bearer, header, &response);
    assert_int_equal(response.status, 200);
    snprintf(expected, sizeof(expected), "user=%s org= role=\n", outsider.id);
    assert_string_equal(response.body, expected);
    lk_test_response_dispose(&response);

    snprintf(path, sizeof(path), "/orgs/%s/reports", org_id);
    through_nginx(path, member_bearer, "X-Auth-User-Id: 11111111-1111-4111-8111-111111111111",
                  &response);
    snprintf(expected, sizeof(expected), "user=%s org=%s role=member\n", member.id, org_id);
    assert_string_equal(response.body, expected);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_reaches_application),
        cmocka_unit_test(test_signed_in_user_reaches_unscoped_route),
        cmocka_unit_test(test_non_member_is_stopped),
        cmocka_unit_test(test_anonymous_caller_is_stopped),
        cmocka_unit_test(test_spoofed_headers_are_replaced),
    };

    return cmocka_run_group_tests(tests, set_up, tear_down);
}
