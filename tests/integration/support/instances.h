/*
 * Requests to any of the suite's latchkey instances (the main pair, the strict pair with
 * default rate limits, and the instances for Redis outages), optionally from another
 * loopback source address, alone or many at once. Also searches in their logs.
 *
 * Like http_client.h, every function here is for cmocka test bodies: a transport failure
 * fails the current test.
 */
#ifndef LK_TEST_INSTANCES_H
#define LK_TEST_INSTANCES_H

#include <stdbool.h>
#include <stddef.h>

#include "support/http_client.h"

/* Where a request goes, and from which local address. */
struct lk_test_target {
    const char *base_url;       /* "https://127.0.0.1:PORT" */
    const char *source_address; /* a loopback address such as "127.0.0.2", or NULL */
};

/* Returns the target named by environment variable BASE_URL_VARIABLE, from 127.0.0.1. */
struct lk_test_target lk_test_target_from_env(const char *base_url_variable);

/* Sends REQUEST (whose path is appended to the target's base URL) and fills RESPONSE. */
void lk_test_send_to(const struct lk_test_target *target, const struct lk_test_request *request,
                     struct lk_test_response *response);

/* POSTs JSON_BODY to PATH with the extra HEADERS ("Name: value", NULL-terminated, or NULL). */
void lk_test_post_json_to(const struct lk_test_target *target, const char *path,
                          const char *json_body, const char *const *headers,
                          struct lk_test_response *response);

/*
 * Sends COUNT requests at once over HTTP/2, request i to TARGETS[i % TARGET_COUNT], and
 * stores each response status in STATUSES[i]. Waits at most 120 seconds in all.
 */
void lk_test_send_parallel(const struct lk_test_target *targets, size_t target_count,
                           const struct lk_test_request *requests, size_t count, long *statuses);

/* Counts the entries of STATUSES equal to STATUS. */
size_t lk_test_count_status(const long *statuses, size_t count, long status);

/*
 * Waits up to TIMEOUT_MS for the request log line with REQUEST_ID in the log at LOG_PATH and
 * returns a copy of its client_ip (the caller frees it), failing the test if none appears.
 */
char *lk_test_logged_client_ip(const char *log_path, const char *request_id, int timeout_ms);

/* Waits up to TIMEOUT_MS for a line of the log at LOG_PATH that contains TEXT. */
bool lk_test_log_contains(const char *log_path, const char *text, int timeout_ms);

/* Returns the value of parameter NAME ("r", "q") of policy POLICY in a RateLimit or
 * RateLimit-Policy header value, or -1 when the policy or parameter is absent. */
long lk_test_rate_limit_parameter(const char *header, const char *policy, const char *name);

#endif
