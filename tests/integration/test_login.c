/* End-to-end checks of POST /v1/login: the token response, the access token's header and
 * claims, uniform failures for bad credentials, and input validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/http_client.h"
#include "support/response_checks.h"
#include "support/token_parts.h"

enum {
    ACCESS_TOKEN_TTL_SECONDS = 900,
    CLOCK_SKEW_SECONDS = 60,
    MIN_REFRESH_TOKEN_LENGTH = 43, /* 256 bits in unpadded base64url */
    LARGER_THAN_BODY_LIMIT = 20000,
};

static const char *const token_response_members[] = {
    "access_token", "token_type", "expires_in", "refresh_token", "refresh_token_expires_in",
};

/* Claims an access token may carry (RFC 9068 plus latchkey's sid, org_id and role). */
static const char *const allowed_claims[] = {
    "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "sid", "org_id", "role",
    "scope", "auth_time",
};

/* The body of one successful login, shared by the tests that only read it, so that the
 * suite stays well below the login rate limit. */
static struct lk_test_response shared_login_response;

static const struct lk_test_response *shared_login(void)
{
    json_t *credentials;
    char *body;
    json_t *document;

    if (shared_login_response.status != 0) {
        return &shared_login_response;
    }
    credentials = json_pack("{s:s, s:s}", "email", lk_test_env("LK_TEST_USER_EMAIL"), "password",
                            lk_test_env("LK_TEST_USER_PASSWORD"));
    body = json_dumps(credentials, JSON_COMPACT);
    lk_test_post_json("/v1/login", body, &shared_login_response);
    free(body);
    json_decref(credentials);
    if (shared_login_response.status != 200) {
        fail_msg("login returned %ld: %.300s", shared_login_response.status, shared_login_response.body);
    }

    document = lk_test_json_body(&shared_login_response);
    lk_test_record_token(json_string_value(json_object_get(document, "access_token")));
    lk_test_record_token(json_string_value(json_object_get(document, "refresh_token")));
    json_decref(document);
    return &shared_login_response;
}

/* Returns a copy of the access token of the shared login. */
static char *shared_access_token(void)
{
    json_t *document = lk_test_json_body(shared_login());
    char *token = strdup(json_string_value(json_object_get(document, "access_token")));

    json_decref(document);
    assert_non_null(token);
    return token;
}

static int is_listed(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(name, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_login_returns_token_response(void **state)
{
    const struct lk_test_response *response = shared_login();
    json_t *document = lk_test_json_body(response);
    const char *name;
    json_t *value;

    (void)state;
    assert_true(strncmp(lk_test_header(response, "Content-Type"), "application/json", 16) == 0);
    lk_test_assert_header_equal(response, "Cache-Control", "no-store");
    assert_string_equal(json_string_value(json_object_get(document, "token_type")), "Bearer");
    assert_true(json_is_integer(json_object_get(document, "expires_in")));
    assert_int_equal(json_integer_value(json_object_get(document, "expires_in")), ACCESS_TOKEN_TTL_SECONDS);
    assert_non_null(json_string_value(json_object_get(document, "access_token")));
    assert_non_null(json_string_value(json_object_get(document, "refresh_token")));
    assert_true(strlen(json_string_value(json_object_get(document, "refresh_token"))) >= MIN_REFRESH_TOKEN_LENGTH);
    assert_true(json_is_integer(json_object_get(document, "refresh_token_expires_in")));
    assert_true(json_integer_value(json_object_get(document, "refresh_token_expires_in")) > ACCESS_TOKEN_TTL_SECONDS);

    json_object_foreach(document, name, value) {
        if (!is_listed(name, token_response_members, sizeof(token_response_members) / sizeof(token_response_members[0]))) {
            fail_msg("token response has an undeclared member \"%s\"", name);
        }
    }
    json_decref(document);
}

static void test_access_token_header_is_es256_at_jwt(void **state)
{
    char *token = shared_access_token();
    json_t *header = lk_test_token_segment_json(token, 0);

    (void)state;
    assert_string_equal(json_string_value(json_object_get(header, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(header, "typ")), "at+jwt");
    assert_non_null(json_string_value(json_object_get(header, "kid")));
    json_decref(header);
    free(token);
}

static void test_access_token_claims(void **state)
{
    char *token = shared_access_token();
    json_t *claims = lk_test_token_segment_json(token, 1);
    json_t *aud = json_object_get(claims, "aud");
    json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
    json_int_t exp = json_integer_value(json_object_get(claims, "exp"));
    json_int_t now = (json_int_t)time(NULL);

    (void)state;
    assert_string_equal(json_string_value(json_object_get(claims, "iss")), lk_test_env("LK_TEST_ISSUER"));
    if (json_is_array(aud)) {
        assert_string_equal(json_string_value(json_array_get(aud, 0)), lk_test_env("LK_TEST_AUDIENCE"));
    } else {
        assert_string_equal(json_string_value(aud), lk_test_env("LK_TEST_AUDIENCE"));
    }
    assert_true(strlen(json_string_value(json_object_get(claims, "sub"))) > 0);
    assert_true(strlen(json_string_value(json_object_get(claims, "jti"))) > 0);
    assert_true(strlen(json_string_value(json_object_get(claims, "client_id"))) > 0);
    assert_true(strlen(json_string_value(json_object_get(claims, "sid"))) > 0);
    assert_true(json_is_integer(json_object_get(claims, "iat")));
    assert_true(json_is_integer(json_object_get(claims, "exp")));
    assert_int_equal(exp - iat, ACCESS_TOKEN_TTL_SECONDS);
    assert_true(iat >= now - CLOCK_SKEW_SECONDS);
    assert_true(iat <= now + CLOCK_SKEW_SECONDS);

    json_decref(claims);
    free(token);
}

static void test_access_token_has_no_other_claims(void **state)
{
    char *token = shared_access_token();
    json_t *claims = lk_test_token_segment_json(token, 1);
    const char *name;
    json_t *value;

    (void)state;
    json_object_foreach(claims, name, value) {
        if (!is_listed(name, allowed_claims, sizeof(allowed_claims) / sizeof(allowed_claims[0]))) {
            fail_msg("access token has the undeclared claim \"%s\"", name);
        }
    }
    json_decref(claims);
    free(token);
}

static void test_access_token_kid_is_in_jwks(void **state)
{
    char *token = shared_access_token();
    json_t *header = lk_test_token_segment_json(token, 0);
    const char *kid = json_string_value(json_object_get(header, "kid"));
    struct lk_test_response response;
    json_t *jwks;
    size_t index;
    json_t *key;
    int found = 0;

    (void)state;
    assert_non_null(kid);
    lk_test_get("/.well-known/jwks.json", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    jwks = lk_test_json_body(&response);
    json_array_foreach(json_object_get(jwks, "keys"), index, key) {
        const char *candidate = json_string_value(json_object_get(key, "kid"));

        found |= candidate != NULL && strcmp(candidate, kid) == 0;
    }
    assert_true(found);

    json_decref(jwks);
    lk_test_response_dispose(&response);
    json_decref(header);
    free(token);
}

static void test_logins_issue_distinct_tokens(void **state)
{
    char *first_access_token = shared_access_token();
    json_t *first = lk_test_json_body(shared_login());
    struct lk_test_tokens second;
    json_t *first_claims = lk_test_token_segment_json(first_access_token, 1);
    json_t *second_claims;

    (void)state;
    lk_test_login(lk_test_env("LK_TEST_USER_EMAIL"), lk_test_env("LK_TEST_USER_PASSWORD"), &second);
    second_claims = lk_test_token_segment_json(second.access_token, 1);

    assert_string_not_equal(json_string_value(json_object_get(first, "refresh_token")), second.refresh_token);
    assert_string_not_equal(json_string_value(json_object_get(first_claims, "jti")),
                            json_string_value(json_object_get(second_claims, "jti")));
    assert_string_not_equal(json_string_value(json_object_get(first_claims, "sid")),
                            json_string_value(json_object_get(second_claims, "sid")));
    assert_string_equal(json_string_value(json_object_get(first_claims, "sub")),
                        json_string_value(json_object_get(second_claims, "sub")));

    json_decref(second_claims);
    json_decref(first_claims);
    json_decref(first);
    lk_test_tokens_dispose(&second);
    free(first_access_token);
}

/* Posts EMAIL and PASSWORD to /v1/login and stores the response. */
static void post_credentials(const char *email, const char *password, struct lk_test_response *response)
{
    json_t *credentials = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(credentials, JSON_COMPACT);

    lk_test_post_json("/v1/login", body, response);
    free(body);
    json_decref(credentials);
}

/* Checks that RESPONSE is the invalid-credentials problem and returns its body with the
 * request id removed, so that two such bodies can be compared byte for byte. */
static char *invalid_credentials_body(const struct lk_test_response *response)
{
    json_t *problem = lk_test_assert_problem(response, 401);
    const char *request_id = json_string_value(json_object_get(problem, "request_id"));
    const char *found = strstr(response->body, request_id);
    size_t id_length = strlen(request_id);
    char *without_id;

    assert_string_equal(json_string_value(json_object_get(problem, "type")),
                        "urn:latchkey:problem:invalid-credentials");
    assert_non_null(found);
    without_id = malloc(response->body_length - id_length + 1);
    assert_non_null(without_id);
    memcpy(without_id, response->body, (size_t)(found - response->body));
    strcpy(without_id + (found - response->body), found + id_length);

    json_decref(problem);
    return without_id;
}

static void test_wrong_password_matches_unknown_email(void **state)
{
    struct lk_test_response wrong_password;
    struct lk_test_response unknown_email;
    char *wrong_password_body;
    char *unknown_email_body;

    (void)state;
    post_credentials(lk_test_env("LK_TEST_USER_EMAIL"), "not the password 42", &wrong_password);
    post_credentials("no-such-user@example.test", "not the password 42", &unknown_email);

    wrong_password_body = invalid_credentials_body(&wrong_password);
    unknown_email_body = invalid_credentials_body(&unknown_email);
    assert_string_equal(wrong_password_body, unknown_email_body);
    assert_string_equal(lk_test_header(&wrong_password, "Content-Type"), lk_test_header(&unknown_email, "Content-Type"));
    assert_int_equal(lk_test_header(&wrong_password, "WWW-Authenticate") == NULL,
                     lk_test_header(&unknown_email, "WWW-Authenticate") == NULL);

    free(wrong_password_body);
    free(unknown_email_body);
    lk_test_response_dispose(&wrong_password);
    lk_test_response_dispose(&unknown_email);
}

static void test_disabled_user_gets_same_401(void **state)
{
    struct lk_test_response disabled;
    struct lk_test_response wrong_password;
    char *disabled_body;
    char *wrong_password_body;

    (void)state;
    post_credentials(lk_test_env("LK_TEST_DISABLED_EMAIL"), lk_test_env("LK_TEST_DISABLED_PASSWORD"), &disabled);
    post_credentials(lk_test_env("LK_TEST_USER_EMAIL"), "not the password 43", &wrong_password);

    disabled_body = invalid_credentials_body(&disabled);
    wrong_password_body = invalid_credentials_body(&wrong_password);
    assert_string_equal(disabled_body, wrong_password_body);

    free(disabled_body);
    free(wrong_password_body);
    lk_test_response_dispose(&disabled);
    lk_test_response_dispose(&wrong_password);
}

/* One malformed login request and the problem it must produce. */
struct validation_case {
    const char *name;
    const char *content_type;   /* NULL sends no Content-Type */
    const char *body;           /* each "EMAIL" is replaced by the test user's email */
    long expected_status;
    const char *expected_field; /* field the errors array must name, or NULL */
};

static const struct validation_case validation_cases[] = {
    {"unknown field", "application/json", "{\"email\":\"EMAIL\",\"password\":\"x-password-1\",\"remember_me\":true}", 400, "remember_me"},
    {"missing password", "application/json", "{\"email\":\"EMAIL\"}", 400, "password"},
    {"missing email", "application/json", "{\"password\":\"x-password-1\"}", 400, "email"},
    {"password not a string", "application/json", "{\"email\":\"EMAIL\",\"password\":12345}", 400, "password"},
    {"email not a string", "application/json", "{\"email\":[\"EMAIL\"],\"password\":\"x-password-1\"}", 400, "email"},
    {"null password", "application/json", "{\"email\":\"EMAIL\",\"password\":null}", 400, "password"},
    {"duplicate key", "application/json", "{\"email\":\"EMAIL\",\"email\":\"EMAIL\",\"password\":\"x-password-1\"}", 400, "email"},
    {"invalid UTF-8", "application/json", "{\"email\":\"EMAIL\",\"password\":\"\xff\xfe-password\"}", 400, NULL},
    {"invalid JSON", "application/json", "{\"email\":\"EMAIL\",", 400, NULL},
    {"trailing data", "application/json", "{\"email\":\"EMAIL\",\"password\":\"x-password-1\"} {}", 400, NULL},
    {"array body", "application/json", "[\"EMAIL\"]", 400, NULL},
    {"empty body", "application/json", "", 400, NULL},
    {"text content type", "text/plain", "{\"email\":\"EMAIL\",\"password\":\"x-password-1\"}", 415, NULL},
    {"form content type", "application/x-www-form-urlencoded", "email=EMAIL&password=x-password-1", 415, NULL},
    {"no content type", NULL, "{\"email\":\"EMAIL\",\"password\":\"x-password-1\"}", 415, NULL},
};

/* Copies TEMPLATE to OUT (of SIZE bytes) with each "EMAIL" replaced by EMAIL_ADDRESS. */
static void fill_template(const char *template, const char *email_address, char *out, size_t size)
{
    size_t used = 0;

    while (*template != '\0') {
        if (strncmp(template, "EMAIL", 5) == 0) {
            assert_true(used + strlen(email_address) < size);
            memcpy(out + used, email_address, strlen(email_address));
            used += strlen(email_address);
            template += 5;
        } else {
            assert_true(used + 1 < size);
            out[used++] = *template++;
        }
    }
    out[used] = '\0';
}

/* Sends CASE_ and returns 0 if the server rejected it as expected, or 1 after printing why
 * not, so that one run reports every case that fails. */
static int check_validation_case(const struct validation_case *case_)
{
    char body[512];
    struct lk_test_request request = {.method = "POST", .path = "/v1/login", .content_type = case_->content_type};
    struct lk_test_response response;
    json_t *problem;
    int failures = 0;

    fill_template(case_->body, lk_test_env("LK_TEST_USER_EMAIL"), body, sizeof(body));
    request.body = body;
    request.body_length = strlen(body);
    lk_test_send(&request, &response);

    if (response.status != case_->expected_status) {
        print_error("%s: status %ld, expected %ld: %.300s\n", case_->name, response.status,
                    case_->expected_status, response.body);
        lk_test_response_dispose(&response);
        return 1;
    }
    problem = lk_test_assert_problem(&response, case_->expected_status);
    if (case_->expected_field != NULL && !lk_test_problem_names_field(problem, case_->expected_field)) {
        print_error("%s: the problem's errors do not name \"%s\": %.300s\n", case_->name,
                    case_->expected_field, response.body);
        failures = 1;
    }
    json_decref(problem);
    lk_test_response_dispose(&response);
    return failures;
}

static void test_login_rejects_invalid_input(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(validation_cases) / sizeof(validation_cases[0]); i++) {
        failures += check_validation_case(&validation_cases[i]);
    }
    assert_int_equal(failures, 0);
}

static void test_login_rejects_oversized_body(void **state)
{
    char *body = malloc(LARGER_THAN_BODY_LIMIT);
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/login",
        .content_type = "application/json",
        .body = body,
        .body_length = LARGER_THAN_BODY_LIMIT,
    };
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    assert_non_null(body);
    memset(body, 'a', LARGER_THAN_BODY_LIMIT);
    memcpy(body, "{\"email\":\"", 10);
    memcpy(body + LARGER_THAN_BODY_LIMIT - 2, "\"}", 2);
    lk_test_send(&request, &response);

    problem = lk_test_assert_problem(&response, 413);
    json_decref(problem);
    lk_test_response_dispose(&response);
    free(body);
}

static void test_login_accepts_charset_parameter(void **state)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/login",
        .content_type = "application/json; charset=utf-8",
    };
    char body[512];
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    /* A wrong password keeps this from issuing tokens: 401 shows the body was accepted. */
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"not the password 44\"}",
             lk_test_env("LK_TEST_USER_EMAIL"));
    request.body = body;
    request.body_length = strlen(body);
    lk_test_send(&request, &response);

    problem = lk_test_assert_problem(&response, 401);
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static int dispose_shared_login(void **state)
{
    lk_test_response_dispose(&shared_login_response);
    return lk_test_http_global_cleanup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_returns_token_response),
        cmocka_unit_test(test_access_token_header_is_es256_at_jwt),
        cmocka_unit_test(test_access_token_claims),
        cmocka_unit_test(test_access_token_has_no_other_claims),
        cmocka_unit_test(test_access_token_kid_is_in_jwks),
        cmocka_unit_test(test_logins_issue_distinct_tokens),
        cmocka_unit_test(test_wrong_password_matches_unknown_email),
        cmocka_unit_test(test_disabled_user_gets_same_401),
        cmocka_unit_test(test_login_rejects_invalid_input),
        cmocka_unit_test(test_login_rejects_oversized_body),
        cmocka_unit_test(test_login_accepts_charset_parameter),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, dispose_shared_login);
}
