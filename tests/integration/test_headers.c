/* End-to-end checks that every kind of response carries latchkey's security headers, over
 * both HTTP/2 and HTTP/1.1, and that X-Request-Id is echoed or replaced. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support/http_client.h"
#include "support/response_checks.h"

enum { LARGER_THAN_BODY_LIMIT = 20000 };

/* One request that produces a given status. */
struct header_case {
    const char *name;
    const char *method;
    const char *path;
    const char *body;       /* JSON body, or NULL; "@large" means an oversized body */
    long expected_status;
};

static const struct header_case header_cases[] = {
    {"healthz", "GET", "/healthz", NULL, 200},
    {"wrong password", "POST", "/v1/login", "{\"email\":\"nobody@example.test\",\"password\":\"wrong password 1\"}", 401},
    {"invalid body", "POST", "/v1/login", "{\"email\":", 400},
    {"unknown path", "GET", "/no-such-path", NULL, 404},
    {"oversized body", "POST", "/v1/login", "@large", 413},
};

/* Sends CASE_ over VERSION and checks its status, security headers and Cache-Control. */
static void check_case(const struct header_case *case_, enum lk_test_http_version version)
{
    struct lk_test_request request = {
        .method = case_->method,
        .path = case_->path,
        .version = version,
    };
    struct lk_test_response response;
    char *large = NULL;

    if (case_->body != NULL && strcmp(case_->body, "@large") == 0) {
        large = malloc(LARGER_THAN_BODY_LIMIT);
        assert_non_null(large);
        memset(large, ' ', LARGER_THAN_BODY_LIMIT);
        large[0] = '{';
        large[LARGER_THAN_BODY_LIMIT - 1] = '}';
        request.body = large;
        request.body_length = LARGER_THAN_BODY_LIMIT;
        request.content_type = "application/json";
    } else if (case_->body != NULL) {
        request.body = case_->body;
        request.body_length = strlen(case_->body);
        request.content_type = "application/json";
    }

    lk_test_send(&request, &response);
    if (response.status != case_->expected_status) {
        fail_msg("%s: status %ld, expected %ld", case_->name, response.status, case_->expected_status);
    }
    lk_test_assert_security_headers(&response);
    lk_test_assert_header_equal(&response, "Cache-Control", "no-store");

    lk_test_response_dispose(&response);
    free(large);
}

static void test_security_headers_over_http2(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
        check_case(&header_cases[i], LK_TEST_HTTP_2);
    }
}

static void test_security_headers_over_http1(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
        check_case(&header_cases[i], LK_TEST_HTTP_1_1);
    }
}

static void test_alpn_negotiates_http2(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/healthz", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.http_major_version, 2);
    lk_test_response_dispose(&response);
}

static void test_forced_http1_is_served(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/healthz", LK_TEST_HTTP_1_1, &response);
    assert_int_equal(response.status, 200);
    assert_int_equal(response.http_major_version, 1);
    lk_test_response_dispose(&response);
}

/* Sends GET /healthz with the X-Request-Id header line HEADER_LINE and returns the
 * X-Request-Id of the response in a new string. */
static char *request_id_for(const char *header_line, enum lk_test_http_version version)
{
    const char *lines[] = {header_line, NULL};
    struct lk_test_request request = {.path = "/healthz", .extra_headers = lines, .version = version};
    struct lk_test_response response;
    char *request_id;

    lk_test_send(&request, &response);
    assert_int_equal(response.status, 200);
    assert_non_null(lk_test_header(&response, "X-Request-Id"));
    request_id = strdup(lk_test_header(&response, "X-Request-Id"));
    lk_test_response_dispose(&response);
    return request_id;
}

static void test_valid_request_id_is_echoed(void **state)
{
    static const char *const valid_ids[] = {
        "a",
        "trace-0123456789.abc_DEF",
        "0123456789012345678901234567890123456789012345678901234567890123", /* 64 chars */
    };
    char header_line[128];

    (void)state;
    for (size_t i = 0; i < sizeof(valid_ids) / sizeof(valid_ids[0]); i++) {
        char *echoed;

        snprintf(header_line, sizeof(header_line), "X-Request-Id: %s", valid_ids[i]);
        echoed = request_id_for(header_line, i % 2 == 0 ? LK_TEST_HTTP_2 : LK_TEST_HTTP_1_1);
        assert_string_equal(echoed, valid_ids[i]);
        free(echoed);
    }
}

/* Returns true if every character of TEXT is one a request id may contain. */
static int is_request_id_text(const char *text)
{
    return strlen(text) >= 1 && strlen(text) <= 64 &&
           strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(text);
}

static void test_invalid_request_id_is_replaced(void **state)
{
    static const char *const invalid_ids[] = {
        "has space",
        "semi;colon",
        "quote\"d",
        "01234567890123456789012345678901234567890123456789012345678901234", /* 65 chars */
        "caf\xc3\xa9",
    };
    char header_line[128];

    (void)state;
    for (size_t i = 0; i < sizeof(invalid_ids) / sizeof(invalid_ids[0]); i++) {
        char *replaced;

        snprintf(header_line, sizeof(header_line), "X-Request-Id: %s", invalid_ids[i]);
        replaced = request_id_for(header_line, LK_TEST_HTTP_2);
        assert_string_not_equal(replaced, invalid_ids[i]);
        assert_true(is_request_id_text(replaced));
        free(replaced);
    }
}

static void test_generated_request_ids_differ(void **state)
{
    struct lk_test_response first;
    struct lk_test_response second;

    (void)state;
    lk_test_get("/healthz", LK_TEST_HTTP_2, &first);
    lk_test_get("/healthz", LK_TEST_HTTP_2, &second);

    assert_non_null(lk_test_header(&first, "X-Request-Id"));
    assert_non_null(lk_test_header(&second, "X-Request-Id"));
    assert_true(is_request_id_text(lk_test_header(&first, "X-Request-Id")));
    assert_string_not_equal(lk_test_header(&first, "X-Request-Id"), lk_test_header(&second, "X-Request-Id"));

    lk_test_response_dispose(&first);
    lk_test_response_dispose(&second);
}

static void test_problem_carries_echoed_request_id(void **state)
{
    const char *lines[] = {"X-Request-Id: problem-id-42", NULL};
    struct lk_test_request request = {.path = "/no-such-path", .extra_headers = lines};
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    lk_test_send(&request, &response);

    problem = lk_test_assert_problem(&response, 404);
    assert_string_equal(json_string_value(json_object_get(problem, "request_id")), "problem-id-42");
    json_decref(problem);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_headers_over_http2),
        cmocka_unit_test(test_security_headers_over_http1),
        cmocka_unit_test(test_alpn_negotiates_http2),
        cmocka_unit_test(test_forced_http1_is_served),
        cmocka_unit_test(test_valid_request_id_is_echoed),
        cmocka_unit_test(test_invalid_request_id_is_replaced),
        cmocka_unit_test(test_generated_request_ids_differ),
        cmocka_unit_test(test_problem_carries_echoed_request_id),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
