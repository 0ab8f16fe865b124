/* End-to-end checks of the health endpoints and of routing errors against a running server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "support/http_client.h"
#include "support/response_checks.h"

static void test_healthz_returns_200(void **state)
{
    struct lk_test_response response;

    (void)state;
    lk_test_get("/healthz", LK_TEST_HTTP_2, &response);

    assert_int_equal(response.status, 200);
    lk_test_assert_header_equal(&response, "Cache-Control", "no-store");
    lk_test_response_dispose(&response);
}

static void test_readyz_reports_dependencies(void **state)
{
    struct lk_test_response response;
    json_t *document;
    json_t *checks;

    (void)state;
    lk_test_get("/readyz", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    document = lk_test_json_body(&response);

    assert_string_equal(json_string_value(json_object_get(document, "status")), "ready");
    checks = json_object_get(document, "checks");
    assert_true(json_is_object(checks));
    assert_string_equal(json_string_value(json_object_get(checks, "postgresql")), "ok");
    assert_string_equal(json_string_value(json_object_get(checks, "redis")), "ok");

    json_decref(document);
    lk_test_response_dispose(&response);
}

static void test_unknown_path_is_404_problem(void **state)
{
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    lk_test_get("/v1/no-such-endpoint", LK_TEST_HTTP_2, &response);

    problem = lk_test_assert_problem(&response, 404);
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_wrong_method_is_405_with_allow(void **state)
{
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    lk_test_get("/v1/login", LK_TEST_HTTP_2, &response);

    problem = lk_test_assert_problem(&response, 405);
    assert_non_null(lk_test_header(&response, "Allow"));
    assert_true(lk_test_header_lists(lk_test_header(&response, "Allow"), "POST"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static void test_delete_on_healthz_is_405(void **state)
{
    struct lk_test_request request = {.method = "DELETE", .path = "/healthz"};
    struct lk_test_response response;
    json_t *problem;

    (void)state;
    lk_test_send(&request, &response);

    problem = lk_test_assert_problem(&response, 405);
    assert_true(lk_test_header_lists(lk_test_header(&response, "Allow"), "GET"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz_returns_200),
        cmocka_unit_test(test_readyz_reports_dependencies),
        cmocka_unit_test(test_unknown_path_is_404_problem),
        cmocka_unit_test(test_wrong_method_is_405_with_allow),
        cmocka_unit_test(test_delete_on_healthz_is_405),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
