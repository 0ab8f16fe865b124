/*
 * Helpers for the session tests: logging in and refreshing against a chosen instance,
 * asking verify whether an access token is active, creating throwaway users with the
 * command line, and locating sessions in PostgreSQL by refresh token. Every function
 * fails the current test on an unexpected transport or server error, and records each
 * token it sees for the log check of tests/run.sh.
 */
#ifndef LK_TEST_SESSION_CLIENT_H
#define LK_TEST_SESSION_CLIENT_H

#include <stdbool.h>

#include "support/http_client.h"

/* POSTs JSON_BODY to PATH at BASE_URL (LK_TEST_BASE_URL when NULL). */
void lk_test_post_json_at(const char *base_url, const char *path, const char *json_body,
                          struct lk_test_response *response);

/* The outcome of a refresh: the status, and the tokens and lifetimes of a 200. */
struct lk_test_refresh_result {
    long status;
    struct lk_test_tokens tokens; /* NULL members unless status is 200 */
    long long expires_in;
    long long refresh_expires_in;
};

/* POSTs {"refresh_token": REFRESH_TOKEN} to /v1/token/refresh at BASE_URL. A 200 must carry
 * the full token response; any other status must be an RFC 9457 problem. */
void lk_test_refresh(const char *base_url, const char *refresh_token,
                     struct lk_test_refresh_result *result);
void lk_test_refresh_result_dispose(struct lk_test_refresh_result *result);

/* Returns whether POST /v1/token/verify at BASE_URL reports ACCESS_TOKEN active. */
bool lk_test_token_active(const char *base_url, const char *access_token);

/* Polls verify at BASE_URL every 20 ms until ACCESS_TOKEN is inactive or TIMEOUT_MS has
 * passed. Returns the milliseconds it took, or -1 on timeout. */
long lk_test_wait_inactive(const char *base_url, const char *access_token, long timeout_ms);

/* Creates a user with a random email through `latchkey users create` and returns the email
 * (the caller frees it). Every such user has the password LK_TEST_SESSION_PASSWORD. */
#define LK_TEST_SESSION_PASSWORD "session test password 7"
char *lk_test_create_user(const char *label);

/* Returns the session id of REFRESH_TOKEN from PostgreSQL (the caller frees it). */
char *lk_test_session_of(const char *refresh_token);

/* Returns the "sid" claim of ACCESS_TOKEN (the caller frees it). */
char *lk_test_session_claim(const char *access_token);

/* Sleeps MILLISECONDS. */
void lk_test_sleep_ms(long milliseconds);

/* Returns a monotonic time in milliseconds. */
long lk_test_now_ms(void);

#endif
