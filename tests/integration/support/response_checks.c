/* Response assertions for the integration tests; see response_checks.h. */
#include "support/response_checks.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

void lk_test_assert_header_equal(const struct lk_test_response *response, const char *name,
                                 const char *expected)
{
    const char *value = lk_test_header(response, name);

    if (value == NULL) {
        fail_msg("response (status %ld) has no %s header", response->status, name);
    }
    if (strcmp(value, expected) != 0) {
        fail_msg("%s is \"%s\", expected \"%s\" (status %ld)", name, value, expected, response->status);
    }
}

void lk_test_assert_security_headers(const struct lk_test_response *response)
{
    const char *request_id = lk_test_header(response, "X-Request-Id");

    lk_test_assert_header_equal(response, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains; preload");
    lk_test_assert_header_equal(response, "X-Content-Type-Options", "nosniff");
    lk_test_assert_header_equal(response, "X-Frame-Options", "DENY");
    lk_test_assert_header_equal(response, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    lk_test_assert_header_equal(response, "Referrer-Policy", "no-referrer");
    if (request_id == NULL) {
        fail_msg("response (status %ld) has no X-Request-Id header", response->status);
    }
    assert_true(strlen(request_id) > 0);
}

/* Members a problem document may have: RFC 9457's, plus latchkey's request_id and errors. */
static const char *const problem_members[] = {
    "type", "title", "status", "detail", "instance", "request_id", "errors",
};

static bool is_problem_member(const char *name)
{
    for (size_t i = 0; i < sizeof(problem_members) / sizeof(problem_members[0]); i++) {
        if (strcmp(name, problem_members[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Returns true if the media type VALUE is TYPE, ignoring parameters and letter case. */
static bool media_type_is(const char *value, const char *type)
{
    size_t length = strlen(type);

    return value != NULL && strncasecmp(value, type, length) == 0 &&
           (value[length] == '\0' || value[length] == ';' || isspace((unsigned char)value[length]));
}

json_t *lk_test_assert_problem(const struct lk_test_response *response, long status)
{
    const char *content_type = lk_test_header(response, "Content-Type");
    const char *request_id = lk_test_header(response, "X-Request-Id");
    json_t *problem;
    const char *name;
    json_t *value;

    if (response->status != status) {
        fail_msg("status is %ld, expected %ld: %.300s", response->status, status, response->body);
    }
    if (!media_type_is(content_type, "application/problem+json")) {
        fail_msg("Content-Type is \"%s\", expected application/problem+json", content_type ? content_type : "(none)");
    }
    problem = lk_test_json_body(response);
    assert_true(json_is_object(problem));

    assert_non_null(json_string_value(json_object_get(problem, "type")));
    assert_non_null(json_string_value(json_object_get(problem, "title")));
    assert_true(json_is_integer(json_object_get(problem, "status")));
    assert_int_equal(json_integer_value(json_object_get(problem, "status")), status);
    assert_non_null(json_string_value(json_object_get(problem, "request_id")));
    assert_non_null(request_id);
    assert_string_equal(json_string_value(json_object_get(problem, "request_id")), request_id);

    json_object_foreach(problem, name, value) {
        if (!is_problem_member(name)) {
            fail_msg("problem document has an unexpected member \"%s\"", name);
        }
    }
    return problem;
}

bool lk_test_problem_names_field(const json_t *problem, const char *field)
{
    json_t *errors = json_object_get(problem, "errors");
    size_t index;
    json_t *entry;

    json_array_foreach(errors, index, entry) {
        const char *name = json_string_value(json_object_get(entry, "field"));
        const char *message = json_string_value(json_object_get(entry, "message"));

        if (name != NULL && strcmp(name, field) == 0 && message != NULL && message[0] != '\0') {
            return true;
        }
    }
    return false;
}

bool lk_test_header_lists(const char *value, const char *token)
{
    size_t length = strlen(token);

    while (value != NULL && *value != '\0') {
        while (*value == ' ' || *value == ',') {
            value++;
        }
        if (strncasecmp(value, token, length) == 0 &&
            (value[length] == '\0' || value[length] == ',' || value[length] == ' ' || value[length] == '=')) {
            return true;
        }
        value = strchr(value, ',');
    }
    return false;
}
