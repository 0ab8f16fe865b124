/* End-to-end checks of the rate limits: headers, 429 responses, exact limits under parallel
 * bursts on two instances, lockouts that spare the owner's address, X-Forwarded-For behind
 * trusted and untrusted peers, IPv6 /64 grouping, and the limits of the other endpoints.
 *
 * The strict instances run with the default limits and trust 127.0.0.1 as a proxy, so each
 * test presents its own client addresses through X-Forwarded-For (documentation ranges
 * 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32) and never shares a counter with
 * another test. Every password here contains "lk-secret-", which tests/run.sh looks for in
 * the server logs. */
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

#include "support/accounts.h"
#include "support/http_client.h"
#include "support/instances.h"
#include "support/response_checks.h"

#define PASSWORD "lk-secret-correct-horse-7"
#define WRONG_PASSWORD "lk-secret-wrong-guess-1"

enum {
    DEFAULT_LOGIN_FAILURES = 5,
    DEFAULT_LOGIN_FAILURE_PERIOD = 900,
    DEFAULT_LOGIN_IP = 20,
    DEFAULT_LOGIN_IP_INTERVAL = 3,      /* 60 s / 20 */
    DEFAULT_LOGIN_ACCOUNT = 100,
    DEFAULT_LOGIN_ACCOUNT_INTERVAL = 9, /* 900 s / 100 */
    BURST_SIZE = 200,
    FALLBACK_VERIFY_LIMIT = 20,
    DEFAULT_REFRESH_IP = 60,
};

static struct lk_test_target strict(void)
{
    return lk_test_target_from_env("LK_TEST_STRICT_BASE_URL");
}

/* Posts a login for EMAIL with PASSWORD to TARGET as if from client address CLIENT. */
static void login_from(const struct lk_test_target *target, const char *client, const char *email,
                       const char *password, struct lk_test_response *response)
{
    char forwarded[128];
    const char *headers[] = {forwarded, NULL};
    json_t *credentials = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(credentials, JSON_COMPACT);

    snprintf(forwarded, sizeof(forwarded), "X-Forwarded-For: %s", client);
    lk_test_post_json_to(target, "/v1/login", body, headers, response);
    free(body);
    json_decref(credentials);
}

/* Logs in once from CLIENT and returns the status; records a token it receives. */
static long login_status(const struct lk_test_target *target, const char *client, const char *email,
                         const char *password)
{
    struct lk_test_response response;
    login_from(target, client, email, password, &response);
    long status = response.status;
    if (status == 200) {
        json_t *document = lk_test_json_body(&response);
        lk_test_record_token(json_string_value(json_object_get(document, "access_token")));
        lk_test_record_token(json_string_value(json_object_get(document, "refresh_token")));
        json_decref(document);
    }
    lk_test_response_dispose(&response);
    return status;
}

static void new_user(const char *prefix, char *email, size_t size)
{
    lk_test_unique_email(prefix, email, size);
    lk_test_add_user(email, PASSWORD);
}

/* A login request body for EMAIL with the wrong password, and its header list. */
struct login_request {
    char body[512];
    char forwarded[128];
    const char *headers[2];
};

static void fill_login_request(struct login_request *storage, struct lk_test_request *request, const char *email,
                               const char *client)
{
    snprintf(storage->body, sizeof(storage->body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, WRONG_PASSWORD);
    snprintf(storage->forwarded, sizeof(storage->forwarded), "X-Forwarded-For: %s", client);
    storage->headers[0] = storage->forwarded;
    storage->headers[1] = NULL;
    *request = (struct lk_test_request){
        .method = "POST",
        .path = "/v1/login",
        .content_type = "application/json",
        .body = storage->body,
        .body_length = strlen(storage->body),
        .extra_headers = storage->headers,
    };
}

static void test_login_response_has_rate_limit_headers(void **state)
{
    struct lk_test_target main_instance = lk_test_target_from_env("LK_TEST_BASE_URL");
    struct lk_test_response response;

    (void)state;
    login_from(&main_instance, "198.51.100.1", lk_test_env("LK_TEST_USER_EMAIL"), WRONG_PASSWORD, &response);
    assert_int_equal(response.status, 401);
    const char *policy = lk_test_header(&response, "RateLimit-Policy");
    const char *limit = lk_test_header(&response, "RateLimit");
    assert_non_null(policy);
    assert_non_null(limit);
    assert_int_equal(lk_test_rate_limit_parameter(policy, "login-ip", "q"), 100000);
    assert_int_equal(lk_test_rate_limit_parameter(policy, "login-ip", "w"), 60);
    assert_int_equal(lk_test_rate_limit_parameter(policy, "login-failures", "q"), 100000);
    assert_true(lk_test_rate_limit_parameter(limit, "login-ip", "r") >= 0);
    assert_true(lk_test_rate_limit_parameter(limit, "login-ip", "t") >= 0);
    assert_true(lk_test_rate_limit_parameter(limit, "login-failures", "r") >= 0);
    /* The per-account rule counts other clients too, so it is not shown to this one. */
    assert_null(strstr(policy, "login-account"));
    assert_null(lk_test_header(&response, "Retry-After"));
    lk_test_response_dispose(&response);
}

static void test_jwks_has_public_policy(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/.well-known/jwks.json", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit-Policy"), "public-ip", "q"),
                     100000);
    assert_true(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), "public-ip", "r") >= 0);
    lk_test_response_dispose(&response);
}

static void test_rejected_login_is_problem_with_retry_after(void **state)
{
    struct lk_test_target target = strict();
    struct lk_test_response response;
    char email[128];

    (void)state;
    new_user("limited", email, sizeof(email));
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        login_from(&target, "198.51.100.20", email, WRONG_PASSWORD, &response);
        assert_int_equal(response.status, 401);
        assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), "login-failures", "r"),
                         DEFAULT_LOGIN_FAILURES - 1 - i);
        lk_test_response_dispose(&response);
    }

    login_from(&target, "198.51.100.20", email, PASSWORD, &response);
    json_t *problem = lk_test_assert_problem(&response, 429);
    assert_string_equal(json_string_value(json_object_get(problem, "type")), "urn:latchkey:problem:rate-limited");
    lk_test_assert_security_headers(&response);
    long retry_after = strtol(lk_test_header(&response, "Retry-After"), NULL, 10);
    assert_true(retry_after >= DEFAULT_LOGIN_FAILURE_PERIOD - 5);
    assert_true(retry_after <= DEFAULT_LOGIN_FAILURE_PERIOD);
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), "login-failures", "r"), 0);
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit-Policy"), "login-failures", "q"),
                     DEFAULT_LOGIN_FAILURES);
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* 200 wrong-password attempts for one account from one address, sent at once and split
 * over both strict instances, let exactly the configured 5 reach the password check. */
static void test_burst_across_instances_is_exact(void **state)
{
    struct lk_test_target targets[2] = {strict(), lk_test_target_from_env("LK_TEST_STRICT_SECOND_BASE_URL")};
    struct login_request *storage = calloc(BURST_SIZE, sizeof(*storage));
    struct lk_test_request requests[BURST_SIZE];
    long statuses[BURST_SIZE];
    char email[128];

    (void)state;
    assert_non_null(storage);
    new_user("burst", email, sizeof(email));
    for (size_t i = 0; i < BURST_SIZE; i++) {
        fill_login_request(&storage[i], &requests[i], email, "198.51.100.21");
    }
    lk_test_send_parallel(targets, 2, requests, BURST_SIZE, statuses);

    size_t passed = lk_test_count_status(statuses, BURST_SIZE, 401);
    size_t limited = lk_test_count_status(statuses, BURST_SIZE, 429);
    print_message("burst of %d: %zu got 401, %zu got 429\n", BURST_SIZE, passed, limited);
    assert_int_equal(passed, DEFAULT_LOGIN_FAILURES);
    assert_int_equal(limited, BURST_SIZE - DEFAULT_LOGIN_FAILURES);
    free(storage);
}

/* Attempts for many accounts from one address: the per-address limit admits its burst of
 * 20, plus at most one request for every 3 seconds the burst took. */
static void test_address_burst_is_exact(void **state)
{
    struct lk_test_target targets[2] = {strict(), lk_test_target_from_env("LK_TEST_STRICT_SECOND_BASE_URL")};
    enum { ATTEMPTS = 60 };
    struct login_request storage[ATTEMPTS];
    struct lk_test_request requests[ATTEMPTS];
    long statuses[ATTEMPTS];
    struct timespec start;
    struct timespec end;

    (void)state;
    for (size_t i = 0; i < ATTEMPTS; i++) {
        char email[128];
        lk_test_unique_email("nobody", email, sizeof(email));
        fill_login_request(&storage[i], &requests[i], email, "198.51.100.22");
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    lk_test_send_parallel(targets, 2, requests, ATTEMPTS, statuses);
    clock_gettime(CLOCK_MONOTONIC, &end);

    long elapsed = (long)(end.tv_sec - start.tv_sec) + 1;
    size_t passed = lk_test_count_status(statuses, ATTEMPTS, 401);
    print_message("%d attempts in about %ld s: %zu got 401\n", ATTEMPTS, elapsed, passed);
    assert_true(passed >= DEFAULT_LOGIN_IP);
    assert_true(passed <= (size_t)(DEFAULT_LOGIN_IP + elapsed / DEFAULT_LOGIN_IP_INTERVAL + 1));
    assert_int_equal(lk_test_count_status(statuses, ATTEMPTS, 429), ATTEMPTS - passed);
}

static void test_owner_not_locked_out_by_attacker(void **state)
{
    struct lk_test_target target = strict();
    char email[128];

    (void)state;
    new_user("owner", email, sizeof(email));
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        assert_int_equal(login_status(&target, "198.51.100.30", email, WRONG_PASSWORD), 401);
    }
    assert_int_equal(login_status(&target, "198.51.100.30", email, WRONG_PASSWORD), 429);
    assert_int_equal(login_status(&target, "198.51.100.30", email, PASSWORD), 429);

    assert_int_equal(login_status(&target, "198.51.100.31", email, PASSWORD), 200);
}

static void test_success_clears_failures(void **state)
{
    struct lk_test_target target = strict();
    char email[128];

    (void)state;
    new_user("forgetful", email, sizeof(email));
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES - 1; i++) {
        assert_int_equal(login_status(&target, "198.51.100.32", email, WRONG_PASSWORD), 401);
    }
    assert_int_equal(login_status(&target, "198.51.100.32", email, PASSWORD), 200);
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        assert_int_equal(login_status(&target, "198.51.100.32", email, WRONG_PASSWORD), 401);
    }
    assert_int_equal(login_status(&target, "198.51.100.32", email, WRONG_PASSWORD), 429);
}

/* Sends one wrong-password login from a new address. Returns the response status and stores
 * Retry-After of a 429 in RETRY_AFTER. */
static long probe_from_new_address(const char *email, int index, long *retry_after)
{
    struct lk_test_target target = strict();
    struct lk_test_response response;
    char client[64];

    snprintf(client, sizeof(client), "203.0.113.%d", index);
    login_from(&target, client, email, WRONG_PASSWORD, &response);
    long status = response.status;
    *retry_after = status == 429 ? strtol(lk_test_header(&response, "Retry-After"), NULL, 10) : 0;
    if (status == 429) {
        assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), "login-account", "r"), 0);
    }
    lk_test_response_dispose(&response);
    return status;
}

/* Many addresses guessing one account exhaust its per-account burst of 100; then new
 * addresses get one attempt every 9 seconds between them, while the owner's known address
 * logs in at once. The owner's first login, from an address not yet known, used one unit
 * of the burst, so the attackers find 99. */
static void test_account_limit_spares_known_address(void **state)
{
    enum { ATTACKERS = 21, ATTEMPTS = ATTACKERS * DEFAULT_LOGIN_FAILURES };
    struct lk_test_target targets[2] = {strict(), lk_test_target_from_env("LK_TEST_STRICT_SECOND_BASE_URL")};
    struct login_request *storage = calloc(ATTEMPTS, sizeof(*storage));
    struct lk_test_request requests[ATTEMPTS];
    long statuses[ATTEMPTS];
    struct timespec start;
    struct timespec end;
    char email[128];

    (void)state;
    assert_non_null(storage);
    new_user("targeted", email, sizeof(email));
    assert_int_equal(login_status(&targets[0], "198.51.100.40", email, PASSWORD), 200);
    for (size_t i = 0; i < ATTEMPTS; i++) {
        char client[64];
        snprintf(client, sizeof(client), "198.51.101.%zu", i / DEFAULT_LOGIN_FAILURES + 1);
        fill_login_request(&storage[i], &requests[i], email, client);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    lk_test_send_parallel(targets, 2, requests, ATTEMPTS, statuses);
    clock_gettime(CLOCK_MONOTONIC, &end);

    long elapsed = (long)(end.tv_sec - start.tv_sec) + 1;
    size_t passed = lk_test_count_status(statuses, ATTEMPTS, 401);
    print_message("%d attempts from %d addresses in about %ld s: %zu got 401\n", ATTEMPTS, ATTACKERS, elapsed, passed);
    assert_true(passed >= DEFAULT_LOGIN_ACCOUNT - 1);
    assert_true(passed <= (size_t)(DEFAULT_LOGIN_ACCOUNT - 1 + elapsed / DEFAULT_LOGIN_ACCOUNT_INTERVAL + 1));
    assert_int_equal(lk_test_count_status(statuses, ATTEMPTS, 429), ATTEMPTS - passed);

    /* One of two quick probes from new addresses must be slowed: a refill can admit one. */
    long retry_after = 0;
    long first = probe_from_new_address(email, 1, &retry_after);
    long second = first == 429 ? 429 : probe_from_new_address(email, 2, &retry_after);
    assert_int_equal(second, 429);
    assert_true(retry_after >= 1);
    assert_true(retry_after <= DEFAULT_LOGIN_ACCOUNT_INTERVAL);

    assert_int_equal(login_status(&targets[1], "198.51.100.40", email, PASSWORD), 200);
    assert_int_equal(login_status(&targets[0], "198.51.100.40", email, WRONG_PASSWORD), 401);
    free(storage);
}

/* Sends a verify request with X-Forwarded-For and a known request id, from SOURCE. */
static char *logged_client_for(const char *base_url_variable, const char *log_variable, const char *source,
                               const char *forwarded)
{
    struct lk_test_target target = lk_test_target_from_env(base_url_variable);
    struct lk_test_response response;
    unsigned char random[8];
    char request_id[32];
    char forwarded_header[128];
    char id_header[64];

    randombytes_buf(random, sizeof(random));
    sodium_bin2hex(request_id, sizeof(request_id), random, sizeof(random));
    snprintf(forwarded_header, sizeof(forwarded_header), "X-Forwarded-For: %s", forwarded);
    snprintf(id_header, sizeof(id_header), "X-Request-Id: xff-%s", request_id);
    const char *headers[] = {forwarded_header, id_header, NULL};
    struct lk_test_request request = {.method = "GET", .path = "/healthz", .extra_headers = headers};

    target.source_address = source;
    lk_test_send_to(&target, &request, &response);
    assert_int_equal(response.status, 200);
    lk_test_response_dispose(&response);
    return lk_test_logged_client_ip(lk_test_env(log_variable), id_header + strlen("X-Request-Id: "), 3000);
}

static void test_forwarded_for_needs_trusted_peer(void **state)
{
    (void)state;
    char *trusted = logged_client_for("LK_TEST_STRICT_BASE_URL", "LK_TEST_STRICT_SERVER_LOG", NULL,
                                      "192.0.2.1, 203.0.113.77");
    char *untrusted = logged_client_for("LK_TEST_STRICT_BASE_URL", "LK_TEST_STRICT_SERVER_LOG", "127.0.0.2",
                                        "203.0.113.77");
    char *no_proxies = logged_client_for("LK_TEST_BASE_URL", "LK_TEST_SERVER_LOG", NULL, "203.0.113.77");

    assert_string_equal(trusted, "203.0.113.77");
    assert_string_equal(untrusted, "127.0.0.2");
    assert_string_equal(no_proxies, "127.0.0.1");
    free(trusted);
    free(untrusted);
    free(no_proxies);
}

/* An untrusted peer cannot escape its failure count by changing X-Forwarded-For. */
static void test_untrusted_peer_cannot_spoof_address(void **state)
{
    struct lk_test_target target = strict();
    char email[128];

    (void)state;
    target.source_address = "127.0.0.2";
    new_user("spoofer", email, sizeof(email));
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        char client[64];
        snprintf(client, sizeof(client), "198.51.102.%d", i + 1);
        assert_int_equal(login_status(&target, client, email, WRONG_PASSWORD), 401);
    }
    assert_int_equal(login_status(&target, "198.51.102.99", email, WRONG_PASSWORD), 429);
}

static void test_ipv6_clients_limited_per_64(void **state)
{
    struct lk_test_target target = strict();
    char email[128];

    (void)state;
    new_user("ipv6", email, sizeof(email));
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        assert_int_equal(login_status(&target, "2001:db8:4:1::1", email, WRONG_PASSWORD), 401);
    }
    assert_int_equal(login_status(&target, "2001:db8:4:1:ffff:ffff:ffff:ffff", email, WRONG_PASSWORD), 429);
    assert_int_equal(login_status(&target, "[2001:db8:4:1::beef]:443", email, WRONG_PASSWORD), 429);
    assert_int_equal(login_status(&target, "2001:db8:4:2::1", email, WRONG_PASSWORD), 401);
}

/* Sends COUNT + 1 requests from CLIENT; all but the last are admitted. Returns the last. */
static void exhaust_in_memory_limit(const struct lk_test_request *template, const char *client, const char *policy,
                                    struct lk_test_response *last)
{
    struct lk_test_target target = lk_test_target_from_env("LK_TEST_FALLBACK_BASE_URL");
    char forwarded[128];
    const char *headers[] = {forwarded, NULL};
    struct lk_test_request request = *template;

    snprintf(forwarded, sizeof(forwarded), "X-Forwarded-For: %s", client);
    request.extra_headers = headers;
    for (int i = 0; i < FALLBACK_VERIFY_LIMIT; i++) {
        struct lk_test_response response;
        lk_test_send_to(&target, &request, &response);
        if (response.status == 429) {
            fail_msg("%s request %d was rejected before the limit of %d", policy, i + 1, FALLBACK_VERIFY_LIMIT);
        }
        assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), policy, "r"),
                         FALLBACK_VERIFY_LIMIT - 1 - i);
        lk_test_response_dispose(&response);
    }
    lk_test_send_to(&target, &request, last);
}

/* Verification and the JWKS are counted in memory on the event loop; the fallback instance
 * sets their limits to 20 per minute. */
static void test_loop_endpoints_limited_in_memory(void **state)
{
    static const char body[] = "{\"token\":\"not-a-token\"}";
    struct lk_test_request verify = {.method = "POST", .path = "/v1/token/verify", .content_type = "application/json",
                                     .body = body, .body_length = sizeof(body) - 1};
    struct lk_test_request jwks = {.method = "GET", .path = "/.well-known/jwks.json"};
    struct lk_test_response response;

    (void)state;
    exhaust_in_memory_limit(&verify, "198.51.100.50", "verify-ip", &response);
    json_t *problem = lk_test_assert_problem(&response, 429);
    assert_int_equal(strtol(lk_test_header(&response, "Retry-After"), NULL, 10), 3);
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit-Policy"), "verify-ip", "q"),
                     FALLBACK_VERIFY_LIMIT);
    json_decref(problem);
    lk_test_response_dispose(&response);

    exhaust_in_memory_limit(&jwks, "198.51.100.51", "public-ip", &response);
    problem = lk_test_assert_problem(&response, 429);
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* Logs in on the strict instance from CLIENT and returns the access token. */
static char *access_token_from(const char *client, const char *email)
{
    struct lk_test_target target = strict();
    struct lk_test_response response;

    login_from(&target, client, email, PASSWORD, &response);
    assert_int_equal(response.status, 200);
    json_t *document = lk_test_json_body(&response);
    char *token = strdup(json_string_value(json_object_get(document, "access_token")));
    lk_test_record_token(token);
    lk_test_record_token(json_string_value(json_object_get(document, "refresh_token")));
    json_decref(document);
    lk_test_response_dispose(&response);
    return token;
}

static void test_password_change_limited(void **state)
{
    struct lk_test_target target = strict();
    char email[128];
    char authorization[4200];
    const char *headers[] = {authorization, "X-Forwarded-For: 198.51.100.60", NULL};
    static const char body[] = "{\"current_password\":\"" WRONG_PASSWORD "\",\"new_password\":\"lk-secret-new-one-9\"}";

    (void)state;
    new_user("changer", email, sizeof(email));
    char *token = access_token_from("198.51.100.60", email);
    snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s", token);
    for (int i = 0; i < DEFAULT_LOGIN_FAILURES; i++) {
        struct lk_test_response response;
        lk_test_post_json_to(&target, "/v1/password", body, headers, &response);
        assert_int_equal(response.status, 403);
        lk_test_response_dispose(&response);
    }
    struct lk_test_response response;
    lk_test_post_json_to(&target, "/v1/password", body, headers, &response);
    json_t *problem = lk_test_assert_problem(&response, 429);
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit"), "password-failures", "r"), 0);
    json_decref(problem);
    lk_test_response_dispose(&response);
    free(token);
}

/* Posts a reset request for EMAIL from CLIENT to the strict instance; returns the status. */
static long reset_request_status(const char *email, const char *client)
{
    struct lk_test_target target = strict();
    struct lk_test_response response;
    char forwarded[128];
    char body[256];
    const char *headers[] = {forwarded, NULL};

    snprintf(forwarded, sizeof(forwarded), "X-Forwarded-For: %s", client);
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
    lk_test_post_json_to(&target, "/v1/password-reset", body, headers, &response);
    long status = response.status;
    if (status == 429) {
        json_decref(lk_test_assert_problem(&response, 429));
    }
    lk_test_response_dispose(&response);
    return status;
}

static void test_reset_requests_limited_per_address(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        char email[128];
        lk_test_unique_email("reset-address", email, sizeof(email));
        assert_int_equal(reset_request_status(email, "198.51.100.70"), 202);
    }
    assert_int_equal(reset_request_status("one-more@example.test", "198.51.100.70"), 429);
}

static void test_reset_requests_limited_per_email(void **state)
{
    char email[128];

    (void)state;
    new_user("reset-email", email, sizeof(email));
    assert_int_equal(reset_request_status(email, "198.51.100.71"), 202);
    assert_int_equal(reset_request_status(email, "198.51.100.72"), 202);
    assert_int_equal(reset_request_status(email, "198.51.100.73"), 202);
    assert_int_equal(reset_request_status(email, "198.51.100.74"), 429);
    /* The email is compared in its normalized form. */
    for (char *c = email; *c != '\0'; c++) {
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    }
    assert_int_equal(reset_request_status(email, "198.51.100.75"), 429);
}

static void test_reset_confirmations_limited(void **state)
{
    struct lk_test_target target = strict();
    const char *headers[] = {"X-Forwarded-For: 198.51.100.76", NULL};
    static const char body[] = "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                               "\"new_password\":\"lk-secret-unused-5\"}";
    struct lk_test_response response;

    (void)state;
    for (int i = 0; i < 10; i++) {
        lk_test_post_json_to(&target, "/v1/password-reset/confirm", body, headers, &response);
        assert_int_equal(response.status, 400);
        lk_test_response_dispose(&response);
    }
    lk_test_post_json_to(&target, "/v1/password-reset/confirm", body, headers, &response);
    json_decref(lk_test_assert_problem(&response, 429));
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit-Policy"), "reset-confirm-ip", "q"),
                     10);
    lk_test_response_dispose(&response);
}

/* Refresh is counted per address before the token is looked up, so unknown tokens count. */
static void test_refresh_limited_per_address(void **state)
{
    struct lk_test_target target = strict();
    const char *headers[] = {"X-Forwarded-For: 198.51.100.77", NULL};
    static const char body[] = "{\"refresh_token\":\"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA\"}";
    struct lk_test_response response;

    (void)state;
    for (int i = 0; i < DEFAULT_REFRESH_IP; i++) {
        lk_test_post_json_to(&target, "/v1/token/refresh", body, headers, &response);
        if (response.status == 429) {
            fail_msg("refresh %d was rejected before the limit of %d", i + 1, DEFAULT_REFRESH_IP);
        }
        lk_test_response_dispose(&response);
    }
    lk_test_post_json_to(&target, "/v1/token/refresh", body, headers, &response);
    json_decref(lk_test_assert_problem(&response, 429));
    assert_int_equal(lk_test_rate_limit_parameter(lk_test_header(&response, "RateLimit-Policy"), "refresh-ip", "q"),
                     DEFAULT_REFRESH_IP);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_response_has_rate_limit_headers),
        cmocka_unit_test(test_jwks_has_public_policy),
        cmocka_unit_test(test_rejected_login_is_problem_with_retry_after),
        cmocka_unit_test(test_burst_across_instances_is_exact),
        cmocka_unit_test(test_address_burst_is_exact),
        cmocka_unit_test(test_owner_not_locked_out_by_attacker),
        cmocka_unit_test(test_success_clears_failures),
        cmocka_unit_test(test_account_limit_spares_known_address),
        cmocka_unit_test(test_forwarded_for_needs_trusted_peer),
        cmocka_unit_test(test_untrusted_peer_cannot_spoof_address),
        cmocka_unit_test(test_ipv6_clients_limited_per_64),
        cmocka_unit_test(test_loop_endpoints_limited_in_memory),
        cmocka_unit_test(test_password_change_limited),
        cmocka_unit_test(test_reset_requests_limited_per_address),
        cmocka_unit_test(test_reset_requests_limited_per_email),
        cmocka_unit_test(test_reset_confirmations_limited),
        cmocka_unit_test(test_refresh_limited_per_address),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
