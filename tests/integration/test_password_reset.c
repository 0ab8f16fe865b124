/* End-to-end checks of password reset: the uniform 202, the outbox message, single use,
 * replacement by a newer request, invalidation by a password change, expiry, the sessions
 * that end, input validation and the password policy. Every password here contains
 * "lk-secret-", which tests/run.sh looks for in the server logs, and every reset token is
 * recorded for the same check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "support/accounts.h"
#include "support/command.h"
#include "support/http_client.h"
#include "support/instances.h"
#include "support/response_checks.h"
#include "support/session_client.h"

#define PASSWORD "lk-secret-before-reset-1"
#define NEW_PASSWORD "lk-secret-after-reset-2"

enum {
    OUTBOX_TIMEOUT_MS = 5000,
    DEFAULT_TOKEN_TTL = 1800,
    TIMING_ROUNDS = 10,
    TIMING_TOLERANCE_MS = 50,
};

static long post(const char *path, const char *body, struct lk_test_response *response)
{
    lk_test_post_json(path, body, response);
    return response->status;
}

static long post_status(const char *path, const char *body)
{
    struct lk_test_response response;
    long status = post(path, body, &response);
    lk_test_response_dispose(&response);
    return status;
}

static long request_reset(const char *email)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
    return post_status("/v1/password-reset", body);
}

static long confirm(const char *token, const char *password, struct lk_test_response *response)
{
    json_t *document = json_pack("{s:s, s:s}", "token", token, "new_password", password);
    char *body = json_dumps(document, JSON_COMPACT);
    long status = post("/v1/password-reset/confirm", body, response);
    free(body);
    json_decref(document);
    return status;
}

static long confirm_status(const char *token, const char *password)
{
    struct lk_test_response response;
    long status = confirm(token, password, &response);
    lk_test_response_dispose(&response);
    return status;
}

/* Checks that RESPONSE is the invalid-reset-token problem. */
static void assert_invalid_token(const struct lk_test_response *response)
{
    json_t *problem = lk_test_assert_problem(response, 400);
    assert_string_equal(json_string_value(json_object_get(problem, "type")), "urn:latchkey:problem:invalid-reset-token");
    json_decref(problem);
}

static long login_status(const char *email, const char *password)
{
    json_t *document = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(document, JSON_COMPACT);
    struct lk_test_response response;
    long status = post("/v1/login", body, &response);
    if (status == 200) {
        json_t *tokens = lk_test_json_body(&response);
        lk_test_record_token(json_string_value(json_object_get(tokens, "access_token")));
        lk_test_record_token(json_string_value(json_object_get(tokens, "refresh_token")));
        json_decref(tokens);
    }
    lk_test_response_dispose(&response);
    free(body);
    json_decref(document);
    return status;
}

static void new_user(const char *prefix, char *email, size_t size)
{
    lk_test_unique_email(prefix, email, size);
    lk_test_add_user(email, PASSWORD);
}

/* Returns the body without its request id, for comparing two responses. */
static char *body_without_request_id(const struct lk_test_response *response)
{
    json_t *document = lk_test_json_body(response);
    json_object_del(document, "request_id");
    char *text = json_dumps(document, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(document);
    return text;
}

/* Header names of RESPONSE, lower-cased and sorted, separated by spaces. */
static void header_names(const struct lk_test_response *response, char *names, size_t size)
{
    const char *sorted[64];
    size_t count = 0;
    for (size_t i = 0; i < response->header_count && count < 64; i++) {
        size_t position = count++;
        while (position > 0 && strcasecmp(sorted[position - 1], response->headers[i].name) > 0) {
            sorted[position] = sorted[position - 1];
            position--;
        }
        sorted[position] = response->headers[i].name;
    }
    names[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        strncat(names, sorted[i], size - strlen(names) - 2);
        strcat(names, " ");
    }
}

static void test_known_and_unknown_emails_get_same_response(void **state)
{
    struct lk_test_response known;
    struct lk_test_response unknown;
    char email[128];
    char unknown_email[128];
    char body[256];
    char known_names[1024];
    char unknown_names[1024];

    (void)state;
    new_user("same", email, sizeof(email));
    lk_test_unique_email("nobody", unknown_email, sizeof(unknown_email));
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
    assert_int_equal(post("/v1/password-reset", body, &known), 202);
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", unknown_email);
    assert_int_equal(post("/v1/password-reset", body, &unknown), 202);

    char *known_body = body_without_request_id(&known);
    char *unknown_body = body_without_request_id(&unknown);
    assert_string_equal(known_body, "{\"status\":\"accepted\"}");
    assert_string_equal(known_body, unknown_body);
    header_names(&known, known_names, sizeof(known_names));
    header_names(&unknown, unknown_names, sizeof(unknown_names));
    assert_string_equal(known_names, unknown_names);
    lk_test_assert_header_equal(&known, "Cache-Control", "no-store");

    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);
    assert_int_equal(lk_test_reset_message_count(unknown_email), 0);
    free(token);
    free(known_body);
    free(unknown_body);
    lk_test_response_dispose(&known);
    lk_test_response_dispose(&unknown);
}

static double request_milliseconds(const char *email)
{
    struct timespec start;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(request_reset(email), 202);
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, size_t count)
{
    qsort(values, count, sizeof(values[0]), compare_doubles);
    return (values[(count - 1) / 2] + values[count / 2]) / 2;
}

/* The response is sent before the account is looked up, so known and unknown emails take
 * the same time. Alternating requests compare the medians. The tolerance of 50 ms is far
 * above the difference of a database round trip, so scheduling noise cannot make it fail. */
static void test_known_and_unknown_emails_take_same_time(void **state)
{
    double known[TIMING_ROUNDS];
    double unknown[TIMING_ROUNDS];

    (void)state;
    for (int i = 0; i < TIMING_ROUNDS; i++) {
        char email[128];
        char unknown_email[128];
        new_user("timing", email, sizeof(email));
        lk_test_unique_email("timing-nobody", unknown_email, sizeof(unknown_email));
        known[i] = request_milliseconds(email);
        unknown[i] = request_milliseconds(unknown_email);
    }
    double known_median = median(known, TIMING_ROUNDS);
    double unknown_median = median(unknown, TIMING_ROUNDS);
    print_message("reset request median: known %.2f ms, unknown %.2f ms\n", known_median, unknown_median);
    assert_true(known_median - unknown_median < TIMING_TOLERANCE_MS);
    assert_true(unknown_median - known_median < TIMING_TOLERANCE_MS);
}

static void test_reset_message_in_outbox(void **state)
{
    char email[128];

    (void)state;
    new_user("message", email, sizeof(email));
    time_t before = time(NULL);
    assert_int_equal(request_reset(email), 202);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);
    json_t *message = lk_test_newest_reset_message(email);
    json_t *payload = json_object_get(message, "payload");

    assert_int_equal(strlen(token), 43);
    assert_string_equal(json_string_value(json_object_get(payload, "to")), email);
    assert_non_null(json_string_value(json_object_get(payload, "user_id")));
    const char *link = json_string_value(json_object_get(payload, "reset_url"));
    assert_int_equal(strncmp(link, "https://app.example.test/reset-password#token=", 46), 0);

    struct tm expires = {0};
    assert_non_null(strptime(json_string_value(json_object_get(payload, "expires_at")), "%Y-%m-%dT%H:%M:%SZ", &expires));
    long lifetime = (long)(timegm(&expires) - before);
    assert_true(lifetime >= DEFAULT_TOKEN_TTL - 5);
    assert_true(lifetime <= DEFAULT_TOKEN_TTL + 5);
    json_decref(message);
    free(token);
}

static void test_token_sets_password_once(void **state)
{
    struct lk_test_response response;
    char email[128];

    (void)state;
    new_user("once", email, sizeof(email));
    assert_int_equal(request_reset(email), 202);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);

    assert_int_equal(confirm(token, NEW_PASSWORD, &response), 204);
    assert_int_equal(response.body_length, 0);
    lk_test_response_dispose(&response);
    assert_int_equal(login_status(email, PASSWORD), 401);
    assert_int_equal(login_status(email, NEW_PASSWORD), 200);

    assert_int_equal(confirm(token, "lk-secret-third-try-3", &response), 400);
    assert_invalid_token(&response);
    lk_test_response_dispose(&response);
    assert_int_equal(login_status(email, NEW_PASSWORD), 200);
    free(token);
}

static void test_newer_request_replaces_token(void **state)
{
    char email[128];

    (void)state;
    new_user("newer", email, sizeof(email));
    assert_int_equal(request_reset(email), 202);
    char *older = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);
    assert_int_equal(request_reset(email), 202);
    char *newer = lk_test_wait_for_reset_token(email, 2, OUTBOX_TIMEOUT_MS);

    assert_string_not_equal(older, newer);
    assert_int_equal(confirm_status(older, NEW_PASSWORD), 400);
    assert_int_equal(confirm_status(newer, NEW_PASSWORD), 204);
    free(older);
    free(newer);
}

/* Logs in and returns the access token (the caller frees it). */
static char *access_token_of(const char *email, const char *password)
{
    json_t *document = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(document, JSON_COMPACT);
    struct lk_test_response response;
    assert_int_equal(post("/v1/login", body, &response), 200);
    json_t *tokens = lk_test_json_body(&response);
    char *token = strdup(json_string_value(json_object_get(tokens, "access_token")));
    lk_test_record_token(token);
    lk_test_record_token(json_string_value(json_object_get(tokens, "refresh_token")));
    json_decref(tokens);
    lk_test_response_dispose(&response);
    free(body);
    json_decref(document);
    return token;
}

/* Changes the password through POST /v1/password with ACCESS_TOKEN; returns the status. */
static long change_password(const char *access_token, const char *current, const char *replacement)
{
    char authorization[4200];
    const char *headers[] = {authorization, NULL};
    json_t *document = json_pack("{s:s, s:s}", "current_password", current, "new_password", replacement);
    char *body = json_dumps(document, JSON_COMPACT);
    struct lk_test_request request = {.method = "POST", .path = "/v1/password", .content_type = "application/json",
                                      .body = body, .body_length = strlen(body), .extra_headers = headers};
    struct lk_test_response response;

    snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s", access_token);
    lk_test_send(&request, &response);
    long status = response.status;
    lk_test_response_dispose(&response);
    free(body);
    json_decref(document);
    return status;
}

static void test_password_change_ends_reset_tokens(void **state)
{
    char email[128];

    (void)state;
    new_user("changed", email, sizeof(email));
    char *access_token = access_token_of(email, PASSWORD);
    assert_int_equal(request_reset(email), 202);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);

    assert_int_equal(change_password(access_token, PASSWORD, NEW_PASSWORD), 204);
    assert_int_equal(confirm_status(token, "lk-secret-too-late-4"), 400);
    assert_int_equal(login_status(email, NEW_PASSWORD), 200);
    free(token);
    free(access_token);
}

/* Counts the user's sessions that are still open, straight from PostgreSQL. */
static long open_sessions(const char *email)
{
    PGconn *connection = PQconnectdb(lk_test_env("LK_TEST_DATABASE_URL"));
    assert_int_equal(PQstatus(connection), CONNECTION_OK);
    const char *values[] = {email};
    PGresult *result = PQexecParams(connection,
                                    "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                                    "WHERE u.email = $1 AND s.revoked_at IS NULL",
                                    1, NULL, values, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(result), PGRES_TUPLES_OK);
    long count = strtol(PQgetvalue(result, 0, 0), NULL, 10);
    PQclear(result);
    PQfinish(connection);
    return count;
}

static void test_reset_ends_every_session(void **state)
{
    char email[128];

    (void)state;
    new_user("sessions", email, sizeof(email));
    char *first = access_token_of(email, PASSWORD);
    char *second = access_token_of(email, PASSWORD);
    assert_int_equal(open_sessions(email), 2);

    assert_int_equal(request_reset(email), 202);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);
    assert_int_equal(confirm_status(token, NEW_PASSWORD), 204);
    assert_int_equal(open_sessions(email), 0);

    /* Verification reports the ended sessions' access tokens inactive on both instances. */
    assert_true(lk_test_wait_inactive(lk_test_env("LK_TEST_BASE_URL"), first, 3000) >= 0);
    assert_true(lk_test_wait_inactive(lk_test_env("LK_TEST_SECOND_BASE_URL"), second, 3000) >= 0);

    /* An access token of an ended session cannot change the password. */
    assert_int_equal(change_password(first, NEW_PASSWORD, "lk-secret-hijack-5"), 401);
    assert_int_equal(change_password(second, NEW_PASSWORD, "lk-secret-hijack-5"), 401);
    free(token);
    free(first);
    free(second);
}

/* The outage instance issues reset tokens that expire after 2 seconds. */
static void test_token_expires(void **state)
{
    struct lk_test_target target = lk_test_target_from_env("LK_TEST_OUTAGE_BASE_URL");
    struct lk_test_response response;
    char email[128];
    char body[256];

    (void)state;
    new_user("expiry", email, sizeof(email));
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
    lk_test_post_json_to(&target, "/v1/password-reset", body, NULL, &response);
    assert_int_equal(response.status, 202);
    lk_test_response_dispose(&response);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);

    sleep(3);
    json_t *document = json_pack("{s:s, s:s}", "token", token, "new_password", NEW_PASSWORD);
    char *confirm_body = json_dumps(document, JSON_COMPACT);
    lk_test_post_json_to(&target, "/v1/password-reset/confirm", confirm_body, NULL, &response);
    assert_invalid_token(&response);
    lk_test_response_dispose(&response);
    assert_int_equal(login_status(email, PASSWORD), 200);
    free(confirm_body);
    json_decref(document);
    free(token);
}

static void test_disabled_user_gets_no_message(void **state)
{
    (void)state;
    assert_int_equal(request_reset(lk_test_env("LK_TEST_DISABLED_EMAIL")), 202);
    usleep(500 * 1000);
    assert_int_equal(lk_test_reset_message_count(lk_test_env("LK_TEST_DISABLED_EMAIL")), 0);
}

static void test_reset_disabled_without_url(void **state)
{
    struct lk_test_target target = lk_test_target_from_env("LK_TEST_FALLBACK_BASE_URL");
    struct lk_test_response response;

    (void)state;
    lk_test_post_json_to(&target, "/v1/password-reset", "{\"email\":\"someone@example.test\"}", NULL, &response);
    json_t *problem = lk_test_assert_problem(&response, 404);
    assert_string_equal(json_string_value(json_object_get(problem, "detail")), "Password reset is not enabled on this server.");
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* One invalid request and the problem it must produce. */
struct invalid_case {
    const char *name;
    const char *path;
    const char *body;
    const char *expected_type;  /* suffix after urn:latchkey:problem: */
    const char *expected_field; /* or NULL */
};

static const struct invalid_case invalid_cases[] = {
    {"missing email", "/v1/password-reset", "{}", "invalid-request", "email"},
    {"malformed email", "/v1/password-reset", "{\"email\":\"not-an-email\"}", "invalid-request", "email"},
    {"unknown field", "/v1/password-reset", "{\"email\":\"a@example.test\",\"name\":\"x\"}", "invalid-request", "name"},
    {"missing token", "/v1/password-reset/confirm", "{\"new_password\":\"lk-secret-valid-6\"}", "invalid-request", "token"},
    {"missing password", "/v1/password-reset/confirm", "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
     "invalid-request", "new_password"},
    {"short token", "/v1/password-reset/confirm", "{\"token\":\"abc\",\"new_password\":\"lk-secret-valid-6\"}",
     "invalid-reset-token", NULL},
    {"unknown token", "/v1/password-reset/confirm",
     "{\"token\":\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA\",\"new_password\":\"lk-secret-valid-6\"}",
     "invalid-reset-token", NULL},
    {"short password", "/v1/password-reset/confirm",
     "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"new_password\":\"lk-7\"}", "invalid-request",
     "new_password"},
    {"common password", "/v1/password-reset/confirm",
     "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"new_password\":\"Password1\"}", "invalid-request",
     "new_password"},
};

static int check_invalid_case(const struct invalid_case *case_)
{
    struct lk_test_response response;
    char type[128];
    int failures = 0;

    post(case_->path, case_->body, &response);
    if (response.status != 400) {
        print_error("%s: status %ld, expected 400: %.300s\n", case_->name, response.status, response.body);
        lk_test_response_dispose(&response);
        return 1;
    }
    json_t *problem = lk_test_assert_problem(&response, 400);
    snprintf(type, sizeof(type), "urn:latchkey:problem:%s", case_->expected_type);
    if (strcmp(json_string_value(json_object_get(problem, "type")), type) != 0) {
        print_error("%s: type %s, expected %s\n", case_->name, json_string_value(json_object_get(problem, "type")), type);
        failures++;
    }
    if (case_->expected_field != NULL && !lk_test_problem_names_field(problem, case_->expected_field)) {
        print_error("%s: the errors do not name %s: %.300s\n", case_->name, case_->expected_field, response.body);
        failures++;
    }
    if (strstr(response.body, "Password1") != NULL || strstr(response.body, "lk-secret-") != NULL) {
        print_error("%s: the response repeats the password\n", case_->name);
        failures++;
    }
    json_decref(problem);
    lk_test_response_dispose(&response);
    return failures;
}

static void test_invalid_requests_rejected(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        failures += check_invalid_case(&invalid_cases[i]);
    }
    assert_int_equal(failures, 0);
}

/* A rejected password leaves the token usable. */
static void test_rejected_password_keeps_token(void **state)
{
    struct lk_test_response response;
    char email[128];

    (void)state;
    new_user("policy", email, sizeof(email));
    assert_int_equal(request_reset(email), 202);
    char *token = lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS);

    assert_int_equal(confirm(token, "Trustno1", &response), 400);
    json_t *problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "new_password"));
    assert_non_null(strstr(response.body, "too common"));
    assert_null(strstr(response.body, "Trustno1"));
    json_decref(problem);
    lk_test_response_dispose(&response);
    assert_int_equal(confirm_status(token, NEW_PASSWORD), 204);
    free(token);
}

static void run_cli(const char *const *arguments, int expected_status, struct lk_test_command_result *result)
{
    lk_test_run_latchkey(arguments, NULL, result);
    if (result->exit_status != expected_status) {
        fail_msg("latchkey %s %s exited %d, expected %d: %.300s", arguments[0], arguments[1], result->exit_status,
                 expected_status, result->standard_error);
    }
}

static void test_outbox_mark_sent_removes_link(void **state)
{
    struct lk_test_command_result result;
    char email[128];
    char id[32];

    (void)state;
    new_user("mailer", email, sizeof(email));
    assert_int_equal(request_reset(email), 202);
    free(lk_test_wait_for_reset_token(email, 1, OUTBOX_TIMEOUT_MS));
    json_t *message = lk_test_newest_reset_message(email);
    snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(message, "id")));
    json_decref(message);

    const char *const mark[] = {"outbox", "mark-sent", id, "--json", NULL};
    run_cli(mark, 0, &result);
    assert_non_null(strstr(result.standard_output, "\"sent\":true"));
    lk_test_command_result_dispose(&result);

    message = lk_test_newest_reset_message(email);
    assert_non_null(json_string_value(json_object_get(message, "sent_at")));
    assert_null(json_object_get(json_object_get(message, "payload"), "reset_url"));
    json_decref(message);

    run_cli(mark, 1, &result);
    assert_non_null(strstr(result.standard_error, "no unsent outbox message"));
    lk_test_command_result_dispose(&result);
    const char *const invalid[] = {"outbox", "mark-sent", "12x", NULL};
    run_cli(invalid, 2, &result);
    lk_test_command_result_dispose(&result);
}

static void test_cli_rejects_common_password(void **state)
{
    const char *const arguments[] = {"users", "create", "common-password@example.test", NULL};
    struct lk_test_command_result result;

    (void)state;
    lk_test_run_latchkey(arguments, "BaseBall\n", &result);
    assert_int_equal(result.exit_status, 1);
    assert_non_null(strstr(result.standard_error, "too common"));
    assert_null(strstr(result.standard_error, "BaseBall"));
    lk_test_command_result_dispose(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_and_unknown_emails_get_same_response),
        cmocka_unit_test(test_known_and_unknown_emails_take_same_time),
        cmocka_unit_test(test_reset_message_in_outbox),
        cmocka_unit_test(test_token_sets_password_once),
        cmocka_unit_test(test_newer_request_replaces_token),
        cmocka_unit_test(test_password_change_ends_reset_tokens),
        cmocka_unit_test(test_reset_ends_every_session),
        cmocka_unit_test(test_token_expires),
        cmocka_unit_test(test_disabled_user_gets_no_message),
        cmocka_unit_test(test_reset_disabled_without_url),
        cmocka_unit_test(test_invalid_requests_rejected),
        cmocka_unit_test(test_rejected_password_keeps_token),
        cmocka_unit_test(test_outbox_mark_sent_removes_link),
        cmocka_unit_test(test_cli_rejects_common_password),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
