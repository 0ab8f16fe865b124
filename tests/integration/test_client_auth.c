/* End-to-end checks of service-client authentication on POST /v1/token/verify and
 * POST /oauth/introspect: client_secret_basic with its form-encoding, one 401 response for
 * every bad credential, 403 for a missing scope, and revocation that reaches both
 * instances within seconds through NOTIFY (tests/run.sh sets a 60-second client cache). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"

/* How long a revocation may take to reach an instance. */
enum { PROPAGATION_LIMIT_MS = 3000 };

static struct lk_test_tokens tokens;
static char token_body[4200];

static int set_up(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_login(lk_test_env("LK_TEST_USER_EMAIL"), lk_test_env("LK_TEST_USER_PASSWORD"), &tokens);
    snprintf(token_body, sizeof(token_body), "{\"token\":\"%s\"}", tokens.access_token);
    return 0;
}

static int tear_down(void **state)
{
    lk_test_tokens_dispose(&tokens);
    return lk_test_http_global_cleanup(state);
}

/* Posts the token to PATH on BASE_URL (NULL: the first instance) with HEADER. */
static void post_verify(const char *base_url, const char *path, const char *header,
                        struct lk_test_response *response)
{
    const char *headers[] = {header, NULL};
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = "application/json",
        .body = token_body,
        .body_length = strlen(token_body),
        .extra_headers = header != NULL ? headers : NULL,
        .base_url = base_url,
    };

    lk_test_send(&request, response);
}

/* Fails unless RESPONSE is a 401 problem with the Basic challenge and the problem type. */
static void assert_unauthorized(const struct lk_test_response *response, const char *problem_type,
                                const char *description)
{
    if (response->status != 401) {
        fail_msg("%s: status %ld, expected 401: %.300s", description, response->status, response->body);
    }
    json_t *problem = lk_test_assert_problem(response, 401);
    lk_test_assert_header_equal(response, "WWW-Authenticate", "Basic realm=\"latchkey\"");
    if (strcmp(json_string_value(json_object_get(problem, "type")), problem_type) != 0) {
        fail_msg("%s: problem type %s, expected %s", description,
                 json_string_value(json_object_get(problem, "type")), problem_type);
    }
    lk_test_assert_security_headers(response);
    json_decref(problem);
}

static void test_missing_credentials_get_challenge(void **state)
{
    static const char *const paths[] = {"/v1/token/verify", "/oauth/introspect"};
    struct lk_test_response response;

    (void)state;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        post_verify(NULL, paths[i], NULL, &response);
        assert_unauthorized(&response, "urn:latchkey:problem:unauthenticated", paths[i]);
        assert_null(strstr(response.body, "\"active\""));
        lk_test_response_dispose(&response);
    }
}

static void test_bearer_is_not_client_auth(void **state)
{
    char header[4200];
    struct lk_test_response response;

    (void)state;
    lk_test_bearer_header(tokens.access_token, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_unauthorized(&response, "urn:latchkey:problem:unauthenticated", "Bearer token");
    lk_test_response_dispose(&response);
}

/* Returns "Authorization: Basic " and the base64 of TEXT, as written. */
static void raw_basic_header(const char *text, char *header, size_t size)
{
    char base64[512];

    sodium_bin2base64(base64, sizeof(base64), (const unsigned char *)text, strlen(text),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(header, size, "Authorization: Basic %s", base64);
}

static void test_malformed_basic_credentials(void **state)
{
    static const char *const headers[] = {
        "Authorization: Basic",
        "Authorization: Basic ",
        "Authorization: Basic !!not-base64!!",
        "Authorization: Basic bm8tY29sb24",       /* "no-colon" without padding */
        "Authorization: Basic bm8tY29sb24=",      /* "no-colon" */
        "Authorization: Basic OnNlY3JldA==",      /* ":secret" */
        "Authorization: Basic aWQ6",              /* "id:" */
        "Authorization: Basic aWQ6cyVaWg==",      /* "id:s%ZZ" */
        "Authorization: Basic aWQ6cyUwMA==",      /* "id:s%00" */
        "Authorization: Basic aWQ6cyVGRg==",      /* "id:s%FF" */
    };
    struct lk_test_response response;

    (void)state;
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        post_verify(NULL, "/v1/token/verify", headers[i], &response);
        if (response.status != 401) {
            fail_msg("\"%s\": status %ld, expected 401", headers[i], response.status);
        }
        assert_non_null(lk_test_header(&response, "WWW-Authenticate"));
        lk_test_response_dispose(&response);
    }
}

static void test_unknown_client_and_wrong_secret(void **state)
{
    char header[512];
    char wrong_secret[160];
    struct lk_test_response response;

    (void)state;
    lk_test_basic_header("lkc_no_such_client_000", lk_test_env("LK_TEST_CLIENT_SECRET"), header,
                         sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_unauthorized(&response, "urn:latchkey:problem:invalid-client", "unknown client");
    lk_test_response_dispose(&response);

    snprintf(wrong_secret, sizeof(wrong_secret), "%sx", lk_test_env("LK_TEST_CLIENT_SECRET"));
    lk_test_basic_header(lk_test_env("LK_TEST_CLIENT_ID"), wrong_secret, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_unauthorized(&response, "urn:latchkey:problem:invalid-client", "wrong secret");
    lk_test_response_dispose(&response);

    /* The id of one client with the secret of another. */
    struct lk_test_client other;
    lk_test_make_client("other verifier", "tokens:verify", &other);
    lk_test_basic_header(lk_test_env("LK_TEST_CLIENT_ID"), other.secret, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_unauthorized(&response, "urn:latchkey:problem:invalid-client", "secret of another client");
    lk_test_response_dispose(&response);
}

/* RFC 6749 section 2.3.1: the id and secret are form-decoded after the base64 step. */
static void test_form_encoded_credentials_work(void **state)
{
    char text[300];
    char header[600];
    char id[160];
    const char *client_id = lk_test_env("LK_TEST_CLIENT_ID");
    struct lk_test_response response;

    (void)state;
    /* Every byte of the id percent-encoded, upper- and lower-case hex mixed. */
    size_t length = 0;
    for (size_t i = 0; client_id[i] != '\0' && length + 4 < sizeof(id); i++) {
        length += (size_t)snprintf(id + length, sizeof(id) - length, i % 2 ? "%%%02x" : "%%%02X",
                                   (unsigned char)client_id[i]);
    }
    snprintf(text, sizeof(text), "%s:%s", id, lk_test_env("LK_TEST_CLIENT_SECRET"));
    raw_basic_header(text, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_int_equal(response.status, 200);
    json_t *body = lk_test_json_body(&response);
    assert_true(json_is_true(json_object_get(body, "active")));
    json_decref(body);
    lk_test_response_dispose(&response);

    /* The scheme name is case-insensitive (RFC 7235). */
    lk_test_suite_client_header(header, sizeof(header));
    memcpy(header + strlen("Authorization: "), "bAsIc", 5);
    post_verify(NULL, "/oauth/introspect", header, &response);
    assert_int_equal(response.status, 200);
    lk_test_response_dispose(&response);
}

static void test_client_without_scope_is_forbidden(void **state)
{
    struct lk_test_client reader;
    char header[512];
    struct lk_test_response response;

    (void)state;
    lk_test_make_client("members reader", "members:read", &reader);
    lk_test_basic_header(reader.id, reader.secret, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    json_t *problem = lk_test_assert_problem(&response, 403);
    assert_string_equal(json_string_value(json_object_get(problem, "type")),
                        "urn:latchkey:problem:insufficient-scope");
    assert_non_null(strstr(json_string_value(json_object_get(problem, "detail")), "tokens:verify"));
    assert_null(strstr(response.body, "\"active\""));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static long long now_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Polls BASE_URL until HEADER gets 401, failing after PROPAGATION_LIMIT_MS. */
static void await_rejection(const char *base_url, const char *header)
{
    long long deadline = now_milliseconds() + PROPAGATION_LIMIT_MS;
    struct lk_test_response response;

    for (;;) {
        post_verify(base_url, "/v1/token/verify", header, &response);
        long status = response.status;
        lk_test_response_dispose(&response);
        if (status == 401) {
            return;
        }
        assert_int_equal(status, 200);
        if (now_milliseconds() > deadline) {
            fail_msg("%s still accepted a revoked client after %d ms", base_url, PROPAGATION_LIMIT_MS);
        }
        struct timespec pause = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static void test_revoked_client_rejected_everywhere(void **state)
{
    const char *instances[] = {lk_test_env("LK_TEST_BASE_URL"), lk_test_env("LK_TEST_SECOND_BASE_URL")};
    struct lk_test_client client;
    char header[512];
    struct lk_test_response response;

    (void)state;
    lk_test_make_client("soon revoked", "tokens:verify", &client);
    lk_test_basic_header(client.id, client.secret, header, sizeof(header));
    /* Both instances cache the client before it is revoked. */
    for (size_t i = 0; i < 2; i++) {
        post_verify(instances[i], "/v1/token/verify", header, &response);
        assert_int_equal(response.status, 200);
        lk_test_response_dispose(&response);
    }

    lk_test_revoke_client(client.id);
    for (size_t i = 0; i < 2; i++) {
        await_rejection(instances[i], header);
    }
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_unauthorized(&response, "urn:latchkey:problem:invalid-client", "revoked client");
    lk_test_response_dispose(&response);
}

static void test_new_client_works_at_once(void **state)
{
    struct lk_test_client client;
    char header[512];
    struct lk_test_response response;

    (void)state;
    /* An unknown id is cached as absent, and creating the client must clear that. */
    lk_test_basic_header("lkc_created_later_00000", "lks_x", header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_int_equal(response.status, 401);
    lk_test_response_dispose(&response);

    lk_test_make_client("fresh verifier", "tokens:verify,members:read", &client);
    lk_test_basic_header(client.id, client.secret, header, sizeof(header));
    post_verify(NULL, "/v1/token/verify", header, &response);
    assert_int_equal(response.status, 200);
    lk_test_response_dispose(&response);
}

/* OAuth libraries read the accepted client authentication from the issuer metadata. */
static void test_metadata_names_auth_method(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/.well-known/openid-configuration", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    json_t *metadata = lk_test_json_body(&response);
    json_t *methods = json_object_get(metadata, "introspection_endpoint_auth_methods_supported");
    assert_int_equal(json_array_size(methods), 1);
    assert_string_equal(json_string_value(json_array_get(methods, 0)), "client_secret_basic");
    json_decref(metadata);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_credentials_get_challenge),
        cmocka_unit_test(test_bearer_is_not_client_auth),
        cmocka_unit_test(test_malformed_basic_credentials),
        cmocka_unit_test(test_unknown_client_and_wrong_secret),
        cmocka_unit_test(test_form_encoded_credentials_work),
        cmocka_unit_test(test_client_without_scope_is_forbidden),
        cmocka_unit_test(test_revoked_client_rejected_everywhere),
        cmocka_unit_test(test_new_client_works_at_once),
        cmocka_unit_test(test_metadata_names_auth_method),
    };

    return cmocka_run_group_tests(tests, set_up, tear_down);
}
