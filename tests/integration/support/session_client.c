/* Helpers for the session tests; see session_client.h. */
#include "support/session_client.h"
#include "support/org_fixtures.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/opaque_token.h"
#include "support/command.h"
#include "support/database.h"
#include "support/response_checks.h"
#include "support/token_parts.h"

void lk_test_post_json_at(const char *base_url, const char *path, const char *json_body,
                          struct lk_test_response *response)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = "application/json",
        .body = json_body,
        .body_length = strlen(json_body),
        .base_url = base_url,
    };

    lk_test_send(&request, response);
}

/* Returns a copy of the string member NAME of OBJECT, failing the test if it is missing. */
static char *string_member(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    char *copy;

    if (value == NULL) {
        fail_msg("token response has no string member \"%s\"", name);
    }
    copy = strdup(value);
    assert_non_null(copy);
    return copy;
}

/* Fills RESULT from a 200 token response, checking its members. */
static void read_token_response(const struct lk_test_response *response,
                                struct lk_test_refresh_result *result)
{
    json_t *document = lk_test_json_body(response);

    lk_test_assert_header_equal(response, "Cache-Control", "no-store");
    assert_string_equal(json_string_value(json_object_get(document, "token_type")), "Bearer");
    assert_true(json_is_integer(json_object_get(document, "expires_in")));
    assert_true(json_is_integer(json_object_get(document, "refresh_token_expires_in")));
    result->tokens.access_token = string_member(document, "access_token");
    result->tokens.refresh_token = string_member(document, "refresh_token");
    result->expires_in = json_integer_value(json_object_get(document, "expires_in"));
    result->refresh_expires_in =
        json_integer_value(json_object_get(document, "refresh_token_expires_in"));
    assert_int_equal(json_object_size(document), 5);
    lk_test_record_token(result->tokens.access_token);
    lk_test_record_token(result->tokens.refresh_token);
    json_decref(document);
}

void lk_test_refresh(const char *base_url, const char *refresh_token,
                     struct lk_test_refresh_result *result)
{
    json_t *request = json_pack("{s:s}", "refresh_token", refresh_token);
    char *body = json_dumps(request, JSON_COMPACT);
    struct lk_test_response response;

    memset(result, 0, sizeof *result);
    assert_non_null(body);
    lk_test_post_json_at(base_url, "/v1/token/refresh", body, &response);
    free(body);
    json_decref(request);

    result->status = response.status;
    if (response.status == 200) {
        read_token_response(&response, result);
    } else {
        json_decref(lk_test_assert_problem(&response, response.status));
    }
    lk_test_response_dispose(&response);
}

void lk_test_refresh_result_dispose(struct lk_test_refresh_result *result)
{
    lk_test_tokens_dispose(&result->tokens);
    memset(result, 0, sizeof *result);
}

bool lk_test_token_active(const char *base_url, const char *access_token)
{
    json_t *request = json_pack("{s:s}", "token", access_token);
    char *body = json_dumps(request, JSON_COMPACT);
    struct lk_test_response response;
    json_t *document;
    bool active;

    assert_non_null(body);

    /* The verify endpoint needs a service client with tokens:verify. */
    char authorization[512];
    lk_test_suite_client_header(authorization, sizeof authorization);
    const char *const headers[] = {authorization, NULL};
    struct lk_test_request verify = {
        .method = "POST",
        .path = "/v1/token/verify",
        .content_type = "application/json",
        .body = body,
        .body_length = strlen(body),
        .extra_headers = headers,
        .base_url = base_url,
    };
    lk_test_send(&verify, &response);
    free(body);
    json_decref(request);
    if (response.status != 200) {
        fail_msg("verify returned %ld: %.300s", response.status, response.body);
    }

    document = lk_test_json_body(&response);
    assert_true(json_is_boolean(json_object_get(document, "active")));
    active = json_is_true(json_object_get(document, "active"));
    json_decref(document);
    lk_test_response_dispose(&response);
    return active;
}

long lk_test_now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void lk_test_sleep_ms(long milliseconds)
{
    struct timespec duration = {.tv_sec = milliseconds / 1000,
                                .tv_nsec = (milliseconds % 1000) * 1000000};

    while (nanosleep(&duration, &duration) != 0) {
    }
}

long lk_test_wait_inactive(const char *base_url, const char *access_token, long timeout_ms)
{
    long started = lk_test_now_ms();

    for (;;) {
        long elapsed = lk_test_now_ms() - started;
        if (!lk_test_token_active(base_url, access_token)) {
            return elapsed;
        }
        if (elapsed > timeout_ms) {
            return -1;
        }
        lk_test_sleep_ms(20);
    }
}

char *lk_test_create_user(const char *label)
{
    char email[128];
    char token[LK_OPAQUE_TOKEN_LENGTH + 1];
    struct lk_test_command_result result;

    assert_int_equal(lk_uuid_v4_generate(token), 0);
    snprintf(email, sizeof email, "%s-%.8s@example.test", label, token);
    const char *const arguments[] = {"users", "create", email, NULL};
    lk_test_run_latchkey(arguments, LK_TEST_SESSION_PASSWORD "\n", &result);
    if (result.exit_status != 0) {
        fail_msg("latchkey users create %s exited %d: %.300s", email, result.exit_status,
                 result.standard_error);
    }
    lk_test_command_result_dispose(&result);

    char *copy = strdup(email);
    assert_non_null(copy);
    return copy;
}

char *lk_test_session_of(const char *refresh_token)
{
    char hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    const char *values[1] = {hash};
    char *session_id;

    lk_opaque_token_hash_hex(refresh_token, strlen(refresh_token), hash);
    session_id = lk_test_db_text("SELECT session_id FROM refresh_tokens WHERE token_hash = $1",
                                 1, values);
    if (session_id == NULL) {
        fail_msg("no refresh_tokens row has the hash of the given refresh token");
    }
    return session_id;
}

char *lk_test_session_claim(const char *access_token)
{
    json_t *claims = lk_test_token_segment_json(access_token, 1);
    const char *sid = json_string_value(json_object_get(claims, "sid"));
    char *copy;

    assert_non_null(sid);
    copy = strdup(sid);
    assert_non_null(copy);
    json_decref(claims);
    return copy;
}
