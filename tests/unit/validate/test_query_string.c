/* Unit tests for src/validate/query_string.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate/query_string.h"

static const lk_field_rule_t fields[] = {
    {.name = "limit", .type = LK_FIELD_INTEGER, .min_value = 1, .max_value = 200},
    {.name = "cursor", .type = LK_FIELD_STRING, .min_length = 1, .max_length = 103},
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
};

static int validate(const char *query, json_t **object, lk_validation_result_t *result)
{
    return lk_query_validate(fields, sizeof fields / sizeof fields[0], query, strlen(query),
                             object, result);
}

static bool names_field(const lk_validation_result_t *result, const char *field)
{
    for (size_t i = 0; i < result->error_count; i++) {
        if (strcmp(result->errors[i].field, field) == 0)
            return true;
    }
    return false;
}

static void empty_query_is_valid(void **state)
{
    json_t *object = NULL;
    lk_validation_result_t result;

    (void)state;
    assert_int_equal(validate("", &object, &result), 0);
    assert_int_equal(json_object_size(object), 0);
    json_decref(object);
}

static void converts_integers_and_decodes_text(void **state)
{
    json_t *object = NULL;
    lk_validation_result_t result;

    (void)state;
    assert_int_equal(validate("limit=25&cursor=a%2Bb+c", &object, &result), 0);
    assert_int_equal(json_integer_value(json_object_get(object, "limit")), 25);
    assert_string_equal(json_string_value(json_object_get(object, "cursor")), "a+b c");
    json_decref(object);
}

typedef struct invalid_case {
    const char *query;
    const char *field;
} invalid_case_t;

static const invalid_case_t invalid[] = {
    {"limit=0", "limit"},
    {"limit=201", "limit"},
    {"limit=-1", "limit"},
    {"limit=ten", "limit"},
    {"limit=", "limit"},
    {"limit=1.5", "limit"},
    {"limit=99999999999999999999", "limit"},
    {"cursor=", "cursor"},
    {"org_id=not-a-uuid", "org_id"},
    {"colour=red", "colour"},
    {"limit=1&limit=2", "limit"},
};

static void invalid_parameters_are_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        json_t *object = NULL;
        lk_validation_result_t result;
        if (validate(invalid[i].query, &object, &result) != -1)
            fail_msg("\"%s\" was accepted", invalid[i].query);
        assert_null(object);
        assert_int_equal(result.status, 400);
        if (!names_field(&result, invalid[i].field))
            fail_msg("\"%s\": the error does not name %s", invalid[i].query, invalid[i].field);
        assert_string_equal(result.detail, "The query string has invalid parameters.");
    }
}

static void malformed_encoding_is_rejected(void **state)
{
    json_t *object = NULL;
    lk_validation_result_t result;

    (void)state;
    assert_int_equal(validate("cursor=%zz", &object, &result), -1);
    assert_int_equal(result.status, 400);
}

static void overlong_query_is_rejected(void **state)
{
    char query[LK_QUERY_MAX_LENGTH + 16];
    json_t *object = NULL;
    lk_validation_result_t result;

    (void)state;
    memset(query, 'a', sizeof query - 1);
    query[sizeof query - 1] = '\0';
    assert_int_equal(validate(query, &object, &result), -1);
    assert_int_equal(result.status, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_query_is_valid),
        cmocka_unit_test(converts_integers_and_decodes_text),
        cmocka_unit_test(invalid_parameters_are_named),
        cmocka_unit_test(malformed_encoding_is_rejected),
        cmocka_unit_test(overlong_query_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
