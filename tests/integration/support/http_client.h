/*
 * HTTP client for latchkey's integration tests: a thin libcurl wrapper that talks to the
 * server named by LK_TEST_BASE_URL over TLS, trusting only LK_TEST_CA_FILE, and captures
 * the status, headers and body of each response.
 *
 * Every function here is for cmocka test bodies: a transport failure or a missing
 * environment variable fails the current test instead of returning an error.
 */
#ifndef LK_TEST_HTTP_CLIENT_H
#define LK_TEST_HTTP_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Protocol to request. HTTP/2 is negotiated through ALPN, so the server may still pick 1.1. */
enum lk_test_http_version {
    LK_TEST_HTTP_2,
    LK_TEST_HTTP_1_1,
};

struct lk_test_header {
    char *name;
    char *value;
};

struct lk_test_request {
    const char *method;               /* "GET" when NULL */
    const char *path;                 /* appended to LK_TEST_BASE_URL */
    const char *content_type;         /* no Content-Type header when NULL */
    const char *body;                 /* no body when NULL */
    size_t body_length;
    const char *const *extra_headers; /* NULL-terminated "Name: value" lines, or NULL */
    enum lk_test_http_version version;
    const char *base_url;             /* LK_TEST_BASE_URL when NULL */
};

/* Response of the final exchange (an interim 100 Continue is dropped). */
struct lk_test_response {
    long status;
    long http_major_version;          /* 1 or 2 */
    char *body;                       /* NUL-terminated, may contain other NULs */
    size_t body_length;
    struct lk_test_header *headers;
    size_t header_count;
};

/* Call once per test program, in the cmocka group setup and teardown. */
int lk_test_http_global_init(void **state);
int lk_test_http_global_cleanup(void **state);

/* Returns the value of environment variable NAME, failing the test if it is unset or empty. */
const char *lk_test_env(const char *name);

/* Sends REQUEST and fills RESPONSE, which the caller releases with lk_test_response_dispose. */
void lk_test_send(const struct lk_test_request *request, struct lk_test_response *response);

/* Shorthands for lk_test_send: a GET, and a POST of a JSON body. */
void lk_test_get(const char *path, enum lk_test_http_version version,
                 struct lk_test_response *response);
void lk_test_post_json(const char *path, const char *json_body, struct lk_test_response *response);

void lk_test_response_dispose(struct lk_test_response *response);

/* Returns the value of the first header called NAME (case-insensitive), or NULL. */
const char *lk_test_header(const struct lk_test_response *response, const char *name);

/* Parses the body as one JSON document with unique keys, failing the test if it is not.
 * The caller owns the result (json_decref). */
json_t *lk_test_json_body(const struct lk_test_response *response);

/* Tokens from a successful login; release with lk_test_tokens_dispose. */
struct lk_test_tokens {
    char *access_token;
    char *refresh_token;
};

/* Logs in with EMAIL and PASSWORD, failing the test unless the server returns 200 with both
 * tokens. Each token is also appended to LK_TEST_RUN_DIR/issued-tokens.txt, because
 * tests/run.sh checks afterwards that none of them reached the server log. */
void lk_test_login(const char *email, const char *password, struct lk_test_tokens *tokens);

/* Like lk_test_login, against the instance at BASE_URL (LK_TEST_BASE_URL when NULL). */
void lk_test_login_at(const char *base_url, const char *email, const char *password,
                      struct lk_test_tokens *tokens);
void lk_test_tokens_dispose(struct lk_test_tokens *tokens);

/* Records TOKEN in LK_TEST_RUN_DIR/issued-tokens.txt for the log check of tests/run.sh. */
void lk_test_record_token(const char *token);

#endif
