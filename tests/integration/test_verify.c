/* End-to-end checks of POST /v1/token/verify, called as the suite's service client: a
 * valid access token is active with its claims, and every forged or malformed token is
 * {"active":false}. Client authentication itself is tested in test_client_auth.c and the
 * org_id parameter in test_orgs.c.
 *
 * NOTE: expired tokens and tokens with a wrong iss or aud are not covered here, because
 * making one needs a private signing key that the test cannot read. The unit tests of the
 * token verifier cover those cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"
#include "support/token_parts.h"

/* Access token from one login, shared by every test of this file. */
static struct lk_test_tokens tokens;

static int log_in(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_login(lk_test_env("LK_TEST_USER_EMAIL"), lk_test_env("LK_TEST_USER_PASSWORD"), &tokens);
    return 0;
}

static int log_out(void **state)
{
    lk_test_tokens_dispose(&tokens);
    return lk_test_http_global_cleanup(state);
}

/* Posts TOKEN as {"token": TOKEN} and returns the parsed 200 response. */
static json_t *verify_json(const char *token)
{
    json_t *request = json_pack("{s:s}", "token", token);
    char *body = json_dumps(request, JSON_COMPACT);
    char client[512];
    struct lk_test_response response;
    json_t *result;

    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_with("/v1/token/verify", body, client, &response);
    if (response.status != 200) {
        fail_msg("verify returned %ld: %.300s", response.status, response.body);
    }
    lk_test_assert_header_equal(&response, "Cache-Control", "no-store");
    result = lk_test_json_body(&response);

    lk_test_response_dispose(&response);
    free(body);
    json_decref(request);
    return result;
}

/* Fails the test unless TOKEN is reported as exactly {"active":false}. */
static void assert_inactive(const char *description, const char *token)
{
    json_t *result = verify_json(token);

    if (!json_is_false(json_object_get(result, "active"))) {
        fail_msg("%s: the token was not reported inactive", description);
    }
    if (json_object_size(result) != 1) {
        fail_msg("%s: an inactive result has members besides \"active\"", description);
    }
    json_decref(result);
}

/* Returns the access token's header with member NAME set to VALUE, base64url-encoded. */
static char *header_with(const char *name, const char *value)
{
    json_t *header = lk_test_token_segment_json(tokens.access_token, 0);
    char *encoded;

    if (value != NULL) {
        json_object_set_new(header, name, json_string(value));
    } else {
        json_object_del(header, name);
    }
    encoded = lk_test_base64url_json(header);
    json_decref(header);
    return encoded;
}

static void test_valid_token_is_active_with_claims(void **state)
{
    json_t *claims = lk_test_token_segment_json(tokens.access_token, 1);
    json_t *result = verify_json(tokens.access_token);
    static const char *const copied_claims[] = {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "sid"};

    (void)state;
    assert_true(json_is_true(json_object_get(result, "active")));
    for (size_t i = 0; i < sizeof(copied_claims) / sizeof(copied_claims[0]); i++) {
        if (!json_equal(json_object_get(result, copied_claims[i]), json_object_get(claims, copied_claims[i]))) {
            fail_msg("claim \"%s\" in the verify result differs from the token", copied_claims[i]);
        }
    }
    assert_non_null(json_string_value(json_object_get(result, "token_type")));

    json_decref(result);
    json_decref(claims);
}

static void test_form_encoded_token_is_active(void **state)
{
    char *escaped = curl_easy_escape(NULL, tokens.access_token, 0);
    char body[4096];
    char client[512];
    const char *headers[] = {client, NULL};
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/token/verify",
        .content_type = "application/x-www-form-urlencoded",
        .body = body,
        .extra_headers = headers,
    };
    struct lk_test_response response;
    json_t *result;

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    assert_non_null(escaped);
    snprintf(body, sizeof(body), "token=%s", escaped);
    request.body_length = strlen(body);
    lk_test_send(&request, &response);

    assert_int_equal(response.status, 200);
    result = lk_test_json_body(&response);
    assert_true(json_is_true(json_object_get(result, "active")));

    json_decref(result);
    lk_test_response_dispose(&response);
    curl_free(escaped);
}

static void test_alg_none_is_inactive(void **state)
{
    char *header = header_with("alg", "none");
    char *payload = lk_test_token_segment(tokens.access_token, 1);
    char *unsigned_token = lk_test_token_join(header, payload, "");
    char *original_signature = lk_test_token_segment(tokens.access_token, 2);
    char *resigned_token = lk_test_token_join(header, payload, original_signature);

    (void)state;
    assert_inactive("alg none without signature", unsigned_token);
    assert_inactive("alg none with the original signature", resigned_token);

    free(resigned_token);
    free(original_signature);
    free(unsigned_token);
    free(payload);
    free(header);
}

/* Returns the JWKS entry whose kid is KID; the caller owns the result. */
static json_t *fetch_jwk(const char *kid)
{
    struct lk_test_response response;
    json_t *jwks;
    json_t *found = NULL;
    size_t index;
    json_t *key;

    lk_test_get("/.well-known/jwks.json", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    jwks = lk_test_json_body(&response);
    json_array_foreach(json_object_get(jwks, "keys"), index, key) {
        if (strcmp(json_string_value(json_object_get(key, "kid")), kid) == 0) {
            found = json_incref(key);
        }
    }
    if (found == NULL) {
        fail_msg("kid %s is not in the JWKS", kid);
    }
    json_decref(jwks);
    lk_test_response_dispose(&response);
    return found;
}

/* The algorithm-confusion attack: an HS256 token whose HMAC key is the text of the
 * server's public key, which a verifier that takes the algorithm from the token accepts. */
static void test_hs256_with_public_key_is_inactive(void **state)
{
    json_t *header_json = lk_test_token_segment_json(tokens.access_token, 0);
    json_t *jwk = fetch_jwk(json_string_value(json_object_get(header_json, "kid")));
    char *pem = lk_test_pem_from_ec_jwk(jwk);
    char *header = header_with("alg", "HS256");
    char *payload = lk_test_token_segment(tokens.access_token, 1);
    char *x = strdup(json_string_value(json_object_get(jwk, "x")));
    char *token;

    (void)state;
    /* The PEM text as written, without its final newline, and the JWK's x coordinate. */
    token = lk_test_sign_hs256(header, payload, pem, strlen(pem));
    assert_inactive("HS256 keyed with the PEM", token);
    free(token);
    token = lk_test_sign_hs256(header, payload, pem, strlen(pem) - 1);
    assert_inactive("HS256 keyed with the PEM without newline", token);
    free(token);
    token = lk_test_sign_hs256(header, payload, x, strlen(x));
    assert_inactive("HS256 keyed with x", token);
    free(token);

    free(x);
    free(payload);
    free(header);
    free(pem);
    json_decref(jwk);
    json_decref(header_json);
}

static void test_unknown_kid_is_inactive(void **state)
{
    char *header = header_with("kid", "no-such-key-0000");
    char *payload = lk_test_token_segment(tokens.access_token, 1);
    char *signature = lk_test_token_segment(tokens.access_token, 2);
    char *token = lk_test_token_join(header, payload, signature);

    (void)state;
    assert_inactive("unknown kid", token);
    free(token);
    free(header);
    header = header_with("kid", NULL);
    token = lk_test_token_join(header, payload, signature);
    assert_inactive("missing kid", token);

    free(token);
    free(signature);
    free(payload);
    free(header);
}

static void test_flipped_signature_is_inactive(void **state)
{
    char *token = strdup(tokens.access_token);
    char *signature = strrchr(token, '.') + 1;
    size_t middle = strlen(signature) / 2;

    (void)state;
    signature[middle] = signature[middle] == 'A' ? 'B' : 'A';
    assert_inactive("flipped signature", token);
    free(token);
}

static void test_changed_payload_is_inactive(void **state)
{
    json_t *claims = lk_test_token_segment_json(tokens.access_token, 1);
    char *header = lk_test_token_segment(tokens.access_token, 0);
    char *signature = lk_test_token_segment(tokens.access_token, 2);
    char *payload;
    char *token;

    (void)state;
    /* A later exp, as an attacker extending a token's lifetime would write it. */
    json_object_set_new(claims, "exp", json_integer(json_integer_value(json_object_get(claims, "exp")) + 86400));
    payload = lk_test_base64url_json(claims);
    token = lk_test_token_join(header, payload, signature);
    assert_inactive("extended exp", token);

    free(token);
    free(payload);
    free(signature);
    free(header);
    json_decref(claims);
}

static void test_malformed_tokens_are_inactive(void **state)
{
    static const char *const malformed[] = {
        "not-a-token",
        "a.b.c",
        "...",
        "eyJhbGciOiJFUzI1NiJ9.e30",
        "eyJhbGciOiJFUzI1NiJ9.e30.e30.e30",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_inactive(malformed[i], malformed[i]);
    }
}

static void test_empty_token_is_invalid_request(void **state)
{
    struct lk_test_response response;
    json_t *problem;

    char client[512];

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_with("/v1/token/verify", "{\"token\":\"\"}", client, &response);

    problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "token"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_missing_token_is_invalid_request(void **state)
{
    struct lk_test_response response;
    json_t *problem;

    char client[512];

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_with("/v1/token/verify", "{}", client, &response);

    problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "token"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_refresh_token_is_not_an_access_token(void **state)
{
    (void)state;
    assert_inactive("refresh token", tokens.refresh_token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_token_is_active_with_claims),
        cmocka_unit_test(test_form_encoded_token_is_active),
        cmocka_unit_test(test_alg_none_is_inactive),
        cmocka_unit_test(test_hs256_with_public_key_is_inactive),
        cmocka_unit_test(test_unknown_kid_is_inactive),
        cmocka_unit_test(test_flipped_signature_is_inactive),
        cmocka_unit_test(test_changed_payload_is_inactive),
        cmocka_unit_test(test_malformed_tokens_are_inactive),
        cmocka_unit_test(test_empty_token_is_invalid_request),
        cmocka_unit_test(test_missing_token_is_invalid_request),
        cmocka_unit_test(test_refresh_token_is_not_an_access_token),
    };

    return cmocka_run_group_tests(tests, log_in, log_out);
}
