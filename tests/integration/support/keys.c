/* Signing-key helpers for the integration tests; see keys.h. */
#include "support/keys.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/token_parts.h"

void lk_test_latchkey_expect(const char *const *arguments, int expected,
                             struct lk_test_command_result *result)
{
    lk_test_run_latchkey(arguments, NULL, result);
    if (result->exit_status != expected) {
        fail_msg("latchkey %s %s %s exited %d, expected %d; stderr: %.600s", arguments[0],
                 arguments[1] != NULL ? arguments[1] : "",
                 arguments[1] != NULL && arguments[2] != NULL ? arguments[2] : "",
                 result->exit_status, expected, result->standard_error);
    }
}

/* Parses the standard output of RESULT as one JSON document, failing the test if it is not. */
static json_t *parse_output(const struct lk_test_command_result *result)
{
    json_error_t error;
    json_t *document = json_loads(result->standard_output, JSON_REJECT_DUPLICATES, &error);

    if (document == NULL) {
        fail_msg("latchkey printed invalid JSON: %s: %.300s", error.text, result->standard_output);
    }
    return document;
}

json_t *lk_test_keys_command_json(const char *const *arguments)
{
    struct lk_test_command_result result;
    json_t *document;

    lk_test_latchkey_expect(arguments, 0, &result);
    document = parse_output(&result);
    assert_true(json_is_object(document));
    assert_non_null(json_string_value(json_object_get(document, "kid")));
    lk_test_command_result_dispose(&result);
    return document;
}

json_t *lk_test_keys_list(void)
{
    static const char *const arguments[] = {"keys", "list", "--json", NULL};
    struct lk_test_command_result result;
    json_t *list;

    lk_test_latchkey_expect(arguments, 0, &result);
    list = parse_output(&result);
    assert_true(json_is_array(list));
    lk_test_command_result_dispose(&result);
    return list;
}

json_t *lk_test_key_find(json_t *list, const char *kid)
{
    size_t index;
    json_t *key;

    json_array_foreach(list, index, key) {
        if (strcmp(json_string_value(json_object_get(key, "kid")), kid) == 0) {
            return key;
        }
    }
    return NULL;
}

char *lk_test_key_state(const char *kid)
{
    json_t *list = lk_test_keys_list();
    json_t *key = lk_test_key_find(list, kid);
    char *state = key != NULL ? strdup(json_string_value(json_object_get(key, "state"))) : NULL;

    json_decref(list);
    return state;
}

/* Returns a copy of the kid of the first key in STATE, or NULL. */
static char *first_kid_in_state(json_t *list, const char *state)
{
    size_t index;
    json_t *key;

    json_array_foreach(list, index, key) {
        if (strcmp(json_string_value(json_object_get(key, "state")), state) == 0) {
            return strdup(json_string_value(json_object_get(key, "kid")));
        }
    }
    return NULL;
}

char *lk_test_active_kid(void)
{
    json_t *list = lk_test_keys_list();
    char *kid = first_kid_in_state(list, "active");

    json_decref(list);
    if (kid == NULL) {
        fail_msg("no key is active");
    }
    return kid;
}

void lk_test_retire_pending_keys(void)
{
    json_t *list = lk_test_keys_list();
    char *kid;

    while ((kid = first_kid_in_state(list, "pending")) != NULL) {
        const char *const arguments[] = {"keys", "retire", kid, NULL};
        struct lk_test_command_result result;

        lk_test_latchkey_expect(arguments, 0, &result);
        lk_test_command_result_dispose(&result);
        free(kid);
        json_decref(list);
        list = lk_test_keys_list();
    }
    json_decref(list);
}

char *lk_test_token_kid(const char *token)
{
    json_t *header = lk_test_token_segment_json(token, 0);
    const char *kid = json_string_value(json_object_get(header, "kid"));
    char *copy;

    assert_non_null(kid);
    copy = strdup(kid);
    json_decref(header);
    return copy;
}

bool lk_test_jwks_lists(const char *base_url, const char *kid)
{
    struct lk_test_request request = {.path = "/.well-known/jwks.json", .base_url = base_url};
    struct lk_test_response response;
    json_t *jwks;
    bool listed;

    lk_test_send(&request, &response);
    assert_int_equal(response.status, 200);
    jwks = lk_test_json_body(&response);
    listed = lk_test_key_find(json_object_get(jwks, "keys"), kid) != NULL;
    json_decref(jwks);
    lk_test_response_dispose(&response);
    return listed;
}

bool lk_test_token_active_at(const char *base_url, const char *token)
{
    char client[512];

    lk_test_suite_client_header(client, sizeof(client));
    return lk_test_token_active_as(base_url, client, token);
}

bool lk_test_token_active_as(const char *base_url, const char *client_header, const char *token)
{
    json_t *input = json_pack("{s:s}", "token", token);
    char *body = json_dumps(input, JSON_COMPACT);
    const char *const headers[] = {client_header, NULL};
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/token/verify",
        .content_type = "application/json",
        .body = body,
        .body_length = strlen(body),
        .extra_headers = headers,
        .base_url = base_url,
    };
    struct lk_test_response response;
    json_t *result;
    bool active;

    lk_test_send(&request, &response);
    if (response.status != 200) {
        fail_msg("verify at %s returned %ld: %.300s", base_url, response.status, response.body);
    }
    result = lk_test_json_body(&response);
    active = json_is_true(json_object_get(result, "active"));

    json_decref(result);
    lk_test_response_dispose(&response);
    free(body);
    json_decref(input);
    return active;
}

/* Returns the milliseconds of the monotonic clock. */
static long monotonic_milliseconds(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool lk_test_wait_for(bool (*condition)(void *context), void *context, long timeout_ms)
{
    const struct timespec pause = {0, 100 * 1000000L};
    long deadline = monotonic_milliseconds() + timeout_ms;

    while (monotonic_milliseconds() < deadline) {
        if (condition(context)) {
            return true;
        }
        nanosleep(&pause, NULL);
    }
    return condition(context);
}
