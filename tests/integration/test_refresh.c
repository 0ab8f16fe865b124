/* End-to-end checks of POST /v1/token/refresh: rotation, reuse detection, retries within
 * the grace period, concurrent refreshes over two instances, disabled users and the
 * rejected inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "support/command.h"
#include "support/database.h"
#include "support/http_client.h"
#include "support/response_checks.h"
#include "support/session_client.h"

enum {
    PARALLEL_REFRESHES = 50,
    PROPAGATION_LIMIT_MS = 1000,
    DEFAULT_IDLE_TIMEOUT = 604800,
};

/* The user of this program's sessions, created once so that other programs' sessions
 * are not affected. */
static char *user_email;

static int setup_group(void **state)
{
    (void)state;
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    user_email = lk_test_create_user("refresh");
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

/* Returns the number of audit events EVENT that name SESSION_ID in their details. */
static long long audit_events_for(const char *event, const char *session_id)
{
    const char *values[] = {event, session_id};

    return lk_test_db_integer("SELECT count(*) FROM audit_events WHERE event = $1"
                              " AND details->>'session_id' = $2",
                              2, values);
}

static void test_refresh_rotates_token(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result refreshed;
    char *login_session;
    char *refreshed_session;

    (void)state;
    login(&tokens);
    lk_test_refresh(NULL, tokens.refresh_token, &refreshed);
    assert_int_equal(refreshed.status, 200);
    assert_string_not_equal(refreshed.tokens.refresh_token, tokens.refresh_token);
    assert_string_not_equal(refreshed.tokens.access_token, tokens.access_token);
    assert_int_equal(refreshed.expires_in, 900);
    assert_true(refreshed.refresh_expires_in > DEFAULT_IDLE_TIMEOUT - 60);
    assert_true(refreshed.refresh_expires_in <= DEFAULT_IDLE_TIMEOUT);
    assert_true(lk_test_token_active(NULL, refreshed.tokens.access_token));

    /* The new tokens belong to the same session. */
    login_session = lk_test_session_claim(tokens.access_token);
    refreshed_session = lk_test_session_claim(refreshed.tokens.access_token);
    assert_string_equal(login_session, refreshed_session);
    free(login_session);
    free(refreshed_session);

    lk_test_refresh_result_dispose(&refreshed);
    lk_test_tokens_dispose(&tokens);
}

static void test_successor_refreshes_on_other_instance(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result first;
    struct lk_test_refresh_result second;
    const char *other = lk_test_env("LK_TEST_SECOND_BASE_URL");

    (void)state;
    login(&tokens);
    lk_test_refresh(other, tokens.refresh_token, &first);
    assert_int_equal(first.status, 200);
    lk_test_refresh(NULL, first.tokens.refresh_token, &second);
    assert_int_equal(second.status, 200);
    assert_true(lk_test_token_active(other, second.tokens.access_token));

    lk_test_refresh_result_dispose(&first);
    lk_test_refresh_result_dispose(&second);
    lk_test_tokens_dispose(&tokens);
}

/* Token 0 is rotated to 1 and 1 to 2; presenting 0 again is reuse, because its successor
 * has been used, so the session ends and token 2 stops working too. */
static void test_reuse_revokes_whole_family(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result first;
    struct lk_test_refresh_result second;
    struct lk_test_refresh_result replayed;
    struct lk_test_refresh_result after;
    char *session_id;
    const char *values[1];

    (void)state;
    login(&tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    lk_test_refresh(NULL, tokens.refresh_token, &first);
    assert_int_equal(first.status, 200);
    lk_test_refresh(NULL, first.tokens.refresh_token, &second);
    assert_int_equal(second.status, 200);

    lk_test_refresh(lk_test_env("LK_TEST_SECOND_BASE_URL"), tokens.refresh_token, &replayed);
    assert_int_equal(replayed.status, 401);
    lk_test_refresh(NULL, second.tokens.refresh_token, &after);
    assert_int_equal(after.status, 401);

    values[0] = session_id;
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM sessions WHERE id = $1::uuid"
                                        " AND revoked_reason = 'refresh_token_reuse'",
                                        1, values),
                     1);
    assert_int_equal(audit_events_for("session.refresh_token_reused", session_id), 1);
    assert_true(lk_test_wait_inactive(NULL, second.tokens.access_token, PROPAGATION_LIMIT_MS) >= 0);
    assert_true(lk_test_wait_inactive(lk_test_env("LK_TEST_SECOND_BASE_URL"),
                                      second.tokens.access_token, PROPAGATION_LIMIT_MS) >= 0);

    free(session_id);
    lk_test_refresh_result_dispose(&first);
    lk_test_refresh_result_dispose(&second);
    lk_test_refresh_result_dispose(&replayed);
    lk_test_refresh_result_dispose(&after);
    lk_test_tokens_dispose(&tokens);
}

/* Both answers to a retried refresh carry the same, working successor. */
static void test_retry_within_grace_returns_successor(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result first;
    struct lk_test_refresh_result retried;
    struct lk_test_refresh_result next;

    (void)state;
    login(&tokens);
    lk_test_refresh(NULL, tokens.refresh_token, &first);
    assert_int_equal(first.status, 200);
    lk_test_refresh(lk_test_env("LK_TEST_SECOND_BASE_URL"), tokens.refresh_token, &retried);
    assert_int_equal(retried.status, 200);
    assert_string_equal(retried.tokens.refresh_token, first.tokens.refresh_token);
    assert_true(lk_test_token_active(NULL, retried.tokens.access_token));

    lk_test_refresh(NULL, retried.tokens.refresh_token, &next);
    assert_int_equal(next.status, 200);
    assert_true(lk_test_token_active(NULL, next.tokens.access_token));

    lk_test_refresh_result_dispose(&first);
    lk_test_refresh_result_dispose(&retried);
    lk_test_refresh_result_dispose(&next);
    lk_test_tokens_dispose(&tokens);
}

/* One of PARALLEL_REFRESHES transfers with its response captured. */
struct parallel_transfer {
    CURL *curl;
    struct curl_slist *headers;
    char body[128];
    char *response;
    size_t response_length;
    long status;
};

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
    struct parallel_transfer *transfer = userdata;
    size_t length = size * count;
    char *grown = realloc(transfer->response, transfer->response_length + length + 1);

    if (grown == NULL) {
        return 0;
    }
    memcpy(grown + transfer->response_length, data, length);
    transfer->response = grown;
    transfer->response_length += length;
    grown[transfer->response_length] = '\0';
    return length;
}

/* Prepares a refresh of REFRESH_TOKEN at BASE_URL over its own HTTP/1.1 connection. */
static void prepare_transfer(struct parallel_transfer *transfer, const char *base_url,
                             const char *refresh_token)
{
    char url[256];

    memset(transfer, 0, sizeof *transfer);
    snprintf(url, sizeof url, "%s/v1/token/refresh", base_url);
    snprintf(transfer->body, sizeof transfer->body, "{\"refresh_token\":\"%s\"}", refresh_token);
    transfer->headers = curl_slist_append(NULL, "Content-Type: application/json");
    transfer->curl = curl_easy_init();
    assert_non_null(transfer->curl);
    curl_easy_setopt(transfer->curl, CURLOPT_URL, url);
    curl_easy_setopt(transfer->curl, CURLOPT_CAINFO, lk_test_env("LK_TEST_CA_FILE"));
    curl_easy_setopt(transfer->curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(transfer->curl, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(transfer->curl, CURLOPT_POSTFIELDS, transfer->body);
    curl_easy_setopt(transfer->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(transfer->curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(transfer->curl, CURLOPT_WRITEDATA, transfer);
}

/* Runs every transfer at once with libcurl's multi interface until all have finished. */
static void run_transfers(struct parallel_transfer *transfers, size_t count)
{
    CURLM *multi = curl_multi_init();
    int running = 0;

    assert_non_null(multi);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(curl_multi_add_handle(multi, transfers[i].curl), CURLM_OK);
    }
    do {
        assert_int_equal(curl_multi_perform(multi, &running), CURLM_OK);
        if (running > 0) {
            assert_int_equal(curl_multi_poll(multi, NULL, 0, 1000, NULL), CURLM_OK);
        }
    } while (running > 0);

    for (size_t i = 0; i < count; i++) {
        curl_easy_getinfo(transfers[i].curl, CURLINFO_RESPONSE_CODE, &transfers[i].status);
        curl_multi_remove_handle(multi, transfers[i].curl);
    }
    curl_multi_cleanup(multi);
}

/* Returns the refresh token of a 200 body, recorded for the log check (caller frees). */
static char *refresh_token_of(const char *body)
{
    json_t *document = json_loads(body, 0, NULL);
    const char *token = json_string_value(json_object_get(document, "refresh_token"));
    const char *access = json_string_value(json_object_get(document, "access_token"));
    char *copy;

    assert_non_null(token);
    assert_non_null(access);
    lk_test_record_token(token);
    lk_test_record_token(access);
    copy = strdup(token);
    json_decref(document);
    return copy;
}

/*
 * PARALLEL_REFRESHES requests with one token, split over both instances: the family gets
 * exactly one successor and no request fails with a 5xx. Every 200 carries that same
 * successor (one rotation, the others retries within the grace period). A 429 from a rate
 * limit is tolerated; nothing else is.
 */
static void test_parallel_refreshes_rotate_once(void **state)
{
    struct lk_test_tokens tokens;
    struct parallel_transfer transfers[PARALLEL_REFRESHES];
    char *successor = NULL;
    char *session_id;
    int successes = 0;
    const char *values[1];

    (void)state;
    login(&tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    for (size_t i = 0; i < PARALLEL_REFRESHES; i++) {
        prepare_transfer(&transfers[i],
                         i % 2 == 0 ? lk_test_env("LK_TEST_BASE_URL")
                                    : lk_test_env("LK_TEST_SECOND_BASE_URL"),
                         tokens.refresh_token);
    }
    run_transfers(transfers, PARALLEL_REFRESHES);

    for (size_t i = 0; i < PARALLEL_REFRESHES; i++) {
        if (transfers[i].status == 429) {
            continue;
        }
        if (transfers[i].status != 200) {
            fail_msg("parallel refresh %zu returned %ld: %.300s", i, transfers[i].status,
                     transfers[i].response != NULL ? transfers[i].response : "");
        }
        char *token = refresh_token_of(transfers[i].response);
        if (successor == NULL) {
            successor = token;
        } else {
            assert_string_equal(token, successor);
            free(token);
        }
        successes++;
    }
    assert_true(successes >= 2);

    /* In PostgreSQL: the original, used, and one unused successor whose parent it is. */
    values[0] = session_id;
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM refresh_tokens"
                                        " WHERE session_id = $1::uuid", 1, values), 2);
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM refresh_tokens"
                                        " WHERE session_id = $1::uuid AND used_at IS NULL"
                                        " AND parent_id IS NOT NULL", 1, values), 1);
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM sessions WHERE id = $1::uuid"
                                        " AND revoked_at IS NULL", 1, values), 1);

    /* The successor still works. */
    struct lk_test_refresh_result next;
    lk_test_refresh(NULL, successor, &next);
    assert_int_equal(next.status, 200);
    lk_test_refresh_result_dispose(&next);

    for (size_t i = 0; i < PARALLEL_REFRESHES; i++) {
        curl_easy_cleanup(transfers[i].curl);
        curl_slist_free_all(transfers[i].headers);
        free(transfers[i].response);
    }
    free(successor);
    free(session_id);
    lk_test_tokens_dispose(&tokens);
}

/* A disabled user's refresh fails and the user's access tokens turn inactive at once. */
static void test_disabled_user_cannot_refresh(void **state)
{
    char *email = lk_test_create_user("disabled-refresh");
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result refreshed;
    struct lk_test_command_result disabled;

    (void)state;
    lk_test_login_at(NULL, email, LK_TEST_SESSION_PASSWORD, &tokens);
    assert_true(lk_test_token_active(lk_test_env("LK_TEST_SECOND_BASE_URL"), tokens.access_token));

    const char *const arguments[] = {"users", "disable", email, NULL};
    lk_test_run_latchkey(arguments, NULL, &disabled);
    assert_int_equal(disabled.exit_status, 0);
    lk_test_command_result_dispose(&disabled);

    lk_test_refresh(NULL, tokens.refresh_token, &refreshed);
    assert_int_equal(refreshed.status, 401);
    assert_true(lk_test_wait_inactive(NULL, tokens.access_token, PROPAGATION_LIMIT_MS) >= 0);
    assert_true(lk_test_wait_inactive(lk_test_env("LK_TEST_SECOND_BASE_URL"), tokens.access_token,
                                      PROPAGATION_LIMIT_MS) >= 0);

    lk_test_refresh_result_dispose(&refreshed);
    lk_test_tokens_dispose(&tokens);
    free(email);
}

/* Sends BODY with CONTENT_TYPE to /v1/token/refresh and checks the problem's status. */
static json_t *refresh_expecting(const char *content_type, const char *body, long status)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/token/refresh",
        .content_type = content_type,
        .body = body,
        .body_length = strlen(body),
    };
    struct lk_test_response response;
    json_t *problem;

    lk_test_send(&request, &response);
    if (response.status != status) {
        fail_msg("refresh with %s body %.80s returned %ld, expected %ld: %.300s", content_type,
                 body, response.status, status, response.body);
    }
    lk_test_assert_security_headers(&response);
    problem = lk_test_assert_problem(&response, status);
    lk_test_response_dispose(&response);
    return problem;
}

static void test_missing_token_is_invalid(void **state)
{
    json_t *problem = refresh_expecting("application/json", "{}", 400);

    (void)state;
    assert_true(lk_test_problem_names_field(problem, "refresh_token"));
    json_decref(problem);
}

static void test_non_string_token_is_invalid(void **state)
{
    json_t *problem = refresh_expecting("application/json", "{\"refresh_token\":42}", 400);

    (void)state;
    assert_true(lk_test_problem_names_field(problem, "refresh_token"));
    json_decref(problem);
}

static void test_unknown_field_is_invalid(void **state)
{
    json_t *problem = refresh_expecting(
        "application/json",
        "{\"refresh_token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"scope\":\"x\"}", 400);

    (void)state;
    assert_true(lk_test_problem_names_field(problem, "scope"));
    json_decref(problem);
}

static void test_overlong_token_is_invalid(void **state)
{
    char body[700];
    char token[601];
    json_t *problem;

    (void)state;
    memset(token, 'A', sizeof token - 1);
    token[sizeof token - 1] = '\0';
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", token);
    problem = refresh_expecting("application/json", body, 400);
    assert_true(lk_test_problem_names_field(problem, "refresh_token"));
    json_decref(problem);
}

/* Malformed and unknown tokens get the same 401 as a revoked or reused one. */
static void test_malformed_and_unknown_tokens_rejected(void **state)
{
    static const char *const bodies[] = {
        "{\"refresh_token\":\"short\"}",
        "{\"refresh_token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+\"}",
        "{\"refresh_token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        json_t *problem = refresh_expecting("application/json", bodies[i], 401);
        assert_string_equal(json_string_value(json_object_get(problem, "type")),
                            "urn:latchkey:problem:invalid-refresh-token");
        json_decref(problem);
    }
}

static void test_wrong_content_type_rejected(void **state)
{
    (void)state;
    json_decref(refresh_expecting("text/plain", "refresh_token=x", 415));
    json_decref(refresh_expecting("application/x-www-form-urlencoded",
                                  "refresh_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 415));
}

static void test_get_is_not_allowed(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/v1/token/refresh", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 405);
    assert_string_equal(lk_test_header(&response, "Allow"), "POST");
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_rotates_token),
        cmocka_unit_test(test_successor_refreshes_on_other_instance),
        cmocka_unit_test(test_reuse_revokes_whole_family),
        cmocka_unit_test(test_retry_within_grace_returns_successor),
        cmocka_unit_test(test_parallel_refreshes_rotate_once),
        cmocka_unit_test(test_disabled_user_cannot_refresh),
        cmocka_unit_test(test_missing_token_is_invalid),
        cmocka_unit_test(test_non_string_token_is_invalid),
        cmocka_unit_test(test_unknown_field_is_invalid),
        cmocka_unit_test(test_overlong_token_is_invalid),
        cmocka_unit_test(test_malformed_and_unknown_tokens_rejected),
        cmocka_unit_test(test_wrong_content_type_rejected),
        cmocka_unit_test(test_get_is_not_allowed),
    };

    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
