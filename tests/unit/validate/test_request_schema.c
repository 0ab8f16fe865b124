/* Tests for request body validation: media types, size, JSON and form parsing, field rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "validate/request_schema.h"

#include <stdio.h>
#include <string.h>

static const lk_field_rule_t test_fields[] = {
    {.name = "email", .type = LK_FIELD_STRING, .required = true, .max_length = 254,
     .format = LK_FORMAT_EMAIL},
    {.name = "password", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = 128},
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
    {.name = "name", .type = LK_FIELD_STRING, .min_length = 2, .max_length = 5},
    {.name = "count", .type = LK_FIELD_INTEGER, .min_value = 1, .max_value = 100},
    {.name = "offset", .type = LK_FIELD_INTEGER},
    {.name = "remember", .type = LK_FIELD_BOOLEAN},
};

static const lk_request_schema_t json_schema = {
    .fields = test_fields,
    .field_count = sizeof test_fields / sizeof test_fields[0],
    .max_body_bytes = 1024,
    .accepted_bodies = LK_BODY_JSON,
};

static const lk_request_schema_t form_schema = {
    .fields = test_fields,
    .field_count = sizeof test_fields / sizeof test_fields[0],
    .max_body_bytes = 1024,
    .accepted_bodies = LK_BODY_JSON | LK_BODY_FORM,
};

#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"
#define BODY(literal) literal, sizeof literal - 1
#define VALID_PREFIX "{\"email\":\"a@example.com\",\"password\":\"pw\""

typedef struct body_case {
    const char *label;
    const lk_request_schema_t *schema;
    const char *content_type;
    const char *body;
    size_t length;
    int status;          /* 0 when the body is valid */
    const char *field;   /* first error's field, when invalid */
    const char *message; /* first error's message, when invalid */
} body_case_t;

static const body_case_t cases[] = {
    /* Valid bodies. */
    {"valid minimal", &json_schema, JSON, BODY(VALID_PREFIX "}"), 0, NULL, NULL},
    {"valid all fields", &json_schema, JSON,
     BODY(VALID_PREFIX ",\"org_id\":\"123e4567-e89b-12d3-a456-426614174000\",\"name\":\"Ann\","
                       "\"count\":100,\"offset\":-5,\"remember\":true}"),
     0, NULL, NULL},
    {"json charset utf-8", &json_schema, "application/json; charset=utf-8", BODY(VALID_PREFIX "}"),
     0, NULL, NULL},
    {"json charset quoted", &json_schema, "application/json;charset=\"UTF-8\"",
     BODY(VALID_PREFIX "}"), 0, NULL, NULL},
    {"json media type upper case", &json_schema, "Application/JSON", BODY(VALID_PREFIX "}"), 0,
     NULL, NULL},
    {"json other parameter", &json_schema, "application/json; foo=bar", BODY(VALID_PREFIX "}"), 0,
     NULL, NULL},
    {"json when form accepted", &form_schema, JSON, BODY(VALID_PREFIX "}"), 0, NULL, NULL},
    {"multibyte name within 5", &json_schema, JSON,
     BODY(VALID_PREFIX ",\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}"), 0, NULL, NULL},
    {"escaped multibyte", &json_schema, JSON, BODY(VALID_PREFIX ",\"name\":\"\\u00e9\\u00e9\"}"),
     0, NULL, NULL},
    {"integer without range", &json_schema, JSON, BODY(VALID_PREFIX ",\"offset\":-9000000000}"),
     0, NULL, NULL},

    /* Field rules. */
    {"missing required", &json_schema, JSON, BODY("{\"email\":\"a@example.com\"}"), 400,
     "password", "is required"},
    {"unknown field", &json_schema, JSON, BODY(VALID_PREFIX ",\"admin\":true}"), 400, "admin",
     "unknown field"},
    {"number for string", &json_schema, JSON, BODY("{\"email\":\"a@example.com\",\"password\":5}"),
     400, "password", "must be a string"},
    {"null for string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":null}"), 400, "password", "must be a string"},
    {"object for string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":{}}"), 400, "password", "must be a string"},
    {"string for integer", &json_schema, JSON, BODY(VALID_PREFIX ",\"count\":\"5\"}"), 400, "count",
     "must be an integer"},
    {"real for integer", &json_schema, JSON, BODY(VALID_PREFIX ",\"count\":5.0}"), 400, "count",
     "must be an integer"},
    {"null for integer", &json_schema, JSON, BODY(VALID_PREFIX ",\"count\":null}"), 400, "count",
     "must be an integer"},
    {"string for boolean", &json_schema, JSON, BODY(VALID_PREFIX ",\"remember\":\"true\"}"), 400,
     "remember", "must be true or false"},
    {"string too short", &json_schema, JSON, BODY(VALID_PREFIX ",\"name\":\"A\"}"), 400, "name",
     "must be at least 2 characters"},
    {"empty string too short", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"\"}"), 400, "password",
     "must not be empty"},
    {"string too long", &json_schema, JSON, BODY(VALID_PREFIX ",\"name\":\"Annabel\"}"), 400,
     "name", "must be at most 5 characters"},
    {"multibyte too long", &json_schema, JSON,
     BODY(VALID_PREFIX ",\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}"), 400,
     "name", "must be at most 5 characters"},
    {"integer below range", &json_schema, JSON, BODY(VALID_PREFIX ",\"count\":0}"), 400, "count",
     "must be an integer from 1 to 100"},
    {"integer above range", &json_schema, JSON, BODY(VALID_PREFIX ",\"count\":101}"), 400, "count",
     "must be an integer from 1 to 100"},
    {"bad email", &json_schema, JSON, BODY("{\"email\":\"nobody\",\"password\":\"pw\"}"), 400,
     "email", "must be an email address"},
    {"bad uuid", &json_schema, JSON, BODY(VALID_PREFIX ",\"org_id\":\"123\"}"), 400, "org_id",
     "must be a UUID (8-4-4-4-12 hexadecimal digits)"},

    /* Encoding and shape of the body. */
    {"duplicate key", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"a\",\"password\":\"b\"}"), 400,
     "password", "duplicate key"},
    {"invalid UTF-8 in string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"p\xffw\"}"), 400, "", "invalid UTF-8"},
    {"overlong UTF-8 in string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"p\xc0\xafw\"}"), 400, "", "invalid UTF-8"},
    {"escaped NUL in string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"p\\u0000w\"}"), 400, "",
     "strings must not contain \\u0000"},
    {"escaped NUL in key", &json_schema, JSON, BODY(VALID_PREFIX ",\"a\\u0000b\":1}"), 400, "",
     "strings must not contain \\u0000"},
    {"raw NUL in string", &json_schema, JSON,
     BODY("{\"email\":\"a@example.com\",\"password\":\"p\0w\"}"), 400, "", "invalid JSON"},
    {"body is array", &json_schema, JSON, BODY("[1,2]"), 400, "", "must be an object"},
    {"body is string", &json_schema, JSON, BODY("\"text\""), 400, "", "must be an object"},
    {"body is null", &json_schema, JSON, BODY("null"), 400, "", "must be an object"},
    {"empty body", &json_schema, JSON, BODY(""), 400, "", "empty body"},
    {"truncated JSON", &json_schema, JSON, BODY("{\"email\":"), 400, "", "invalid JSON"},
    {"trailing data", &json_schema, JSON, BODY(VALID_PREFIX "} {}"), 400, "", "invalid JSON"},
    {"integer overflow", &json_schema, JSON, BODY(VALID_PREFIX ",\"offset\":99999999999999999999}"),
     400, "", "invalid JSON"},

    /* Media types. */
    {"missing content type", &json_schema, NULL, BODY(VALID_PREFIX "}"), 415, "",
     "missing Content-Type"},
    {"text/plain", &json_schema, "text/plain", BODY(VALID_PREFIX "}"), 415, "",
     "unsupported Content-Type"},
    {"json prefix only", &json_schema, "application/jsonx", BODY(VALID_PREFIX "}"), 415, "",
     "unsupported Content-Type"},
    {"problem json", &json_schema, "application/problem+json", BODY(VALID_PREFIX "}"), 415, "",
     "unsupported Content-Type"},
    {"empty content type", &json_schema, "", BODY(VALID_PREFIX "}"), 415, "",
     "unsupported Content-Type"},
    {"charset latin1", &json_schema, "application/json; charset=latin1", BODY(VALID_PREFIX "}"),
     415, "", "unsupported charset"},
    {"malformed parameter", &json_schema, "application/json; charset", BODY(VALID_PREFIX "}"), 415,
     "", "unsupported Content-Type"},
    {"unclosed quote", &json_schema, "application/json; charset=\"utf-8", BODY(VALID_PREFIX "}"),
     415, "", "unsupported Content-Type"},
    {"form not accepted", &json_schema, FORM, BODY("email=a%40example.com&password=pw"), 415, "",
     "unsupported Content-Type"},

    /* Form bodies. */
    {"form valid", &form_schema, FORM, BODY("email=a%40example.com&password=p+w%21&remember=true"),
     0, NULL, NULL},
    {"form charset utf-8", &form_schema, FORM "; charset=UTF-8",
     BODY("email=a%40example.com&password=pw"), 0, NULL, NULL},
    {"form empty pairs skipped", &form_schema, FORM, BODY("&email=a%40example.com&&password=pw&"),
     0, NULL, NULL},
    {"form bad escape", &form_schema, FORM, BODY("email=a%4xexample.com&password=pw"), 400, "",
     "invalid percent-encoding"},
    {"form truncated escape", &form_schema, FORM, BODY("email=a%40example.com&password=pw%4"), 400,
     "", "invalid percent-encoding"},
    {"form duplicate name", &form_schema, FORM,
     BODY("email=a%40example.com&password=a&password=b"), 400, "password",
     "is given more than once"},
    {"form duplicate encoded name", &form_schema, FORM,
     BODY("email=a%40example.com&password=a&pass%77ord=b"), 400, "password",
     "is given more than once"},
    {"form invalid UTF-8", &form_schema, FORM, BODY("email=a%40example.com&password=%ff"), 400, "",
     "invalid UTF-8"},
    {"form NUL byte", &form_schema, FORM, BODY("email=a%40example.com&password=a%00b"), 400, "",
     "must not contain NUL bytes"},
    {"form empty name", &form_schema, FORM, BODY("email=a%40example.com&password=pw&=x"), 400, "",
     "empty parameter name"},
    {"form unknown field", &form_schema, FORM, BODY("email=a%40example.com&password=pw&role=admin"),
     400, "role", "unknown field"},
    {"form integer text", &form_schema, FORM, BODY("email=a%40example.com&password=pw&count=7"), 0,
     NULL, NULL},
    {"form integer invalid", &form_schema, FORM,
     BODY("email=a%40example.com&password=pw&count=7a"), 400, "count", "must be an integer"},
    {"form integer plus sign", &form_schema, FORM,
     BODY("email=a%40example.com&password=pw&count=%2B7"), 400, "count", "must be an integer"},
    {"form integer out of range", &form_schema, FORM,
     BODY("email=a%40example.com&password=pw&count=500"), 400, "count",
     "must be an integer from 1 to 100"},
    {"form boolean invalid", &form_schema, FORM,
     BODY("email=a%40example.com&password=pw&remember=yes"), 400, "remember",
     "must be true or false"},
    {"form missing required", &form_schema, FORM, BODY("email=a%40example.com"), 400, "password",
     "is required"},
    {"form empty body", &form_schema, FORM, BODY(""), 400, "email", "is required"},
};

static void check_case(const body_case_t *c)
{
    json_t *object = (json_t *)1;
    lk_validation_result_t result;
    size_t type_length = c->content_type != NULL ? strlen(c->content_type) : 0;

    print_message("case: %s\n", c->label);
    int status = lk_request_validate(c->schema, c->content_type, type_length, c->body, c->length,
                                     &object, &result);

    if (c->status == 0) {
        assert_int_equal(status, 0);
        assert_non_null(object);
        assert_true(json_is_object(object));
        json_decref(object);
        return;
    }
    assert_int_equal(status, -1);
    assert_null(object);
    assert_int_equal(result.status, c->status);
    assert_true(result.error_count >= 1);
    assert_string_equal(result.errors[0].field, c->field);
    assert_string_equal(result.errors[0].message, c->message);
    assert_true(strlen(result.detail) > 0);
}

static void validate_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_case(&cases[i]);
    }
}

static int validate_text(const lk_request_schema_t *schema, const char *content_type,
                         const char *body, json_t **object, lk_validation_result_t *result)
{
    return lk_request_validate(schema, content_type, strlen(content_type), body, strlen(body),
                               object, result);
}

static void validate_returns_declared_values(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&json_schema, JSON, VALID_PREFIX ",\"count\":3}", &object, &result),
                     0);

    assert_string_equal(lk_request_string(object, "email"), "a@example.com");
    assert_string_equal(lk_request_string(object, "password"), "pw");
    assert_null(lk_request_string(object, "org_id"));
    assert_null(lk_request_string(object, "count"));
    assert_int_equal(json_integer_value(json_object_get(object, "count")), 3);
    json_decref(object);
}

static void form_values_decoded(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;
    const char *body = "email=a%40example.com&password=p+w%21%C3%A9&count=42&remember=false";

    assert_int_equal(validate_text(&form_schema, FORM, body, &object, &result), 0);

    assert_string_equal(lk_request_string(object, "email"), "a@example.com");
    assert_string_equal(lk_request_string(object, "password"), "p w!\xc3\xa9");
    assert_true(json_is_integer(json_object_get(object, "count")));
    assert_int_equal(json_integer_value(json_object_get(object, "count")), 42);
    assert_true(json_is_false(json_object_get(object, "remember")));
    json_decref(object);
}

static void form_name_without_value(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&form_schema, FORM, "email=a%40example.com&password=pw&name",
                                   &object, &result),
                     -1);
    assert_string_equal(result.errors[0].field, "name");
    assert_string_equal(result.errors[0].message, "must be at least 2 characters");
}

/* The size check runs before parsing, so even an invalid body gets 413. */
static void oversized_body_gets_413(void **state)
{
    (void)state;
    char body[1026];
    memset(body, 'x', sizeof body);
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(lk_request_validate(&json_schema, JSON, strlen(JSON), body, 1025, &object,
                                         &result),
                     -1);
    assert_int_equal(result.status, 413);
    assert_string_equal(result.detail, "The request body must be at most 1024 bytes.");
    assert_null(object);
}

static void body_at_limit_parsed(void **state)
{
    (void)state;
    char body[1025];
    int prefix = snprintf(body, sizeof body, VALID_PREFIX ",\"name\":\"Ann\"}");
    memset(body + prefix, ' ', sizeof body - 1 - (size_t)prefix);
    body[1024] = '\0';
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&json_schema, JSON, body, &object, &result), 0);
    json_decref(object);
}

static void detail_counts_invalid_fields(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&json_schema, JSON, "{\"email\":\"x\",\"password\":1}", &object,
                                   &result),
                     -1);
    assert_int_equal(result.status, 400);
    assert_int_equal(result.error_count, 2);
    assert_string_equal(result.detail, "The request body has 2 invalid fields.");
    assert_string_equal(result.errors[0].field, "email");
    assert_string_equal(result.errors[1].field, "password");

    assert_int_equal(validate_text(&json_schema, JSON, "{\"email\":\"a@b\"}", &object, &result), -1);
    assert_string_equal(result.detail, "The request body has 1 invalid field.");
}

/* Eleven unknown fields plus a missing required one: errors stop at the cap, the count does not. */
static void errors_capped_at_maximum(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;
    const char *body = "{\"email\":\"a@example.com\",\"f1\":1,\"f2\":1,\"f3\":1,\"f4\":1,\"f5\":1,"
                       "\"f6\":1,\"f7\":1,\"f8\":1,\"f9\":1,\"f10\":1,\"f11\":1}";

    assert_int_equal(validate_text(&json_schema, JSON, body, &object, &result), -1);

    assert_int_equal(result.error_count, LK_VALIDATION_MAX_ERRORS);
    assert_string_equal(result.detail, "The request body has 12 invalid fields.");
    assert_string_equal(result.errors[0].field, "password");
    assert_string_equal(result.errors[1].field, "f1");
    assert_string_equal(result.errors[7].field, "f7");
}

/* A form-only endpoint rejects JSON and names only the form media type. */
static void form_only_rejects_json(void **state)
{
    (void)state;
    static const lk_request_schema_t form_only_schema = {
        .fields = test_fields,
        .field_count = sizeof test_fields / sizeof test_fields[0],
        .max_body_bytes = 1024,
        .accepted_bodies = LK_BODY_FORM,
    };
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&form_only_schema, JSON, VALID_PREFIX "}", &object, &result),
                     -1);
    assert_int_equal(result.status, 415);
    assert_string_equal(result.detail,
                        "The Content-Type must be application/x-www-form-urlencoded.");
    assert_null(object);

    assert_int_equal(validate_text(&form_only_schema, FORM, "email=a%40example.com&password=pw",
                                   &object, &result),
                     0);
    json_decref(object);
}

/* Unknown field names come from the client: they are copied as printable ASCII and cut. */
static void unknown_field_name_sanitised(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;
    char body[512];
    char long_name[101];
    memset(long_name, 'n', 100);
    long_name[100] = '\0';

    snprintf(body, sizeof body, VALID_PREFIX ",\"a\\nb\\u00e9\\u001b[31m\":1,\"%s\":2}", long_name);
    assert_int_equal(validate_text(&json_schema, JSON, body, &object, &result), -1);

    assert_int_equal(result.error_count, 2);
    assert_string_equal(result.errors[0].field, "a?b???[31m");
    assert_int_equal(strlen(result.errors[1].field), sizeof result.errors[1].field - 1);
    assert_memory_equal(result.errors[1].field, "nnnnnnnn", 8);
    assert_string_equal(result.errors[1].field + sizeof result.errors[1].field - 4, "...");
}

/* The problem detail for a parse error must not quote the body, which may hold a password. */
static void parse_error_omits_body(void **state)
{
    (void)state;
    json_t *object = NULL;
    lk_validation_result_t result;

    assert_int_equal(validate_text(&json_schema, JSON, "{\"password\":\"hunter2\" \"x\"}", &object,
                                   &result),
                     -1);
    assert_null(strstr(result.detail, "hunter2"));
    assert_null(strstr(result.errors[0].message, "hunter2"));
    assert_string_equal(result.detail, "The request body is not valid JSON (line 1, column 25).");
}

typedef struct format_case {
    const char *text;
    bool valid;
} format_case_t;

static void email_format_table(void **state)
{
    (void)state;
    char long_local[80];
    memset(long_local, 'a', 65);
    memcpy(long_local + 65, "@example.com", 13);
    char long_address[300];
    memset(long_address, 'b', sizeof long_address);
    memcpy(long_address, "a@", 2);
    long_address[255] = '\0';
    for (int i = 60; i < 255; i += 60) {
        long_address[i] = '.';
    }
    const format_case_t cases_[] = {
        {"user@example.com", true},
        {"first.last+tag@sub.example.co.uk", true},
        {"user@localhost", true},
        {"\xc3\xa9l\xc3\xa8ve@exemple.fr", true},
        {"", false},
        {"user", false},
        {"@example.com", false},
        {"user@", false},
        {"user@@example.com", false},
        {"us@er@example.com", false},
        {"user name@example.com", false},
        {"user@exa mple.com", false},
        {"user\t@example.com", false},
        {"user@example.com\n", false},
        {"user\x7f@example.com", false},
        {"user\xc2\xa0@example.com", false},
        {"user\xe2\x80\xa8@example.com", false},
        {"user@.example.com", false},
        {"user@example..com", false},
        {"user@example.com.", false},
        {"user@.", false},
        {long_local, false},
        {long_address, false},
    };

    for (size_t i = 0; i < sizeof cases_ / sizeof cases_[0]; i++) {
        print_message("email: %s\n", cases_[i].text);
        assert_int_equal(lk_format_is_email(cases_[i].text, strlen(cases_[i].text)), cases_[i].valid);
    }
    long_address[254] = '\0';
    assert_true(lk_format_is_email(long_address, 254));
}

static void uuid_format_table(void **state)
{
    (void)state;
    static const format_case_t cases_[] = {
        {"123e4567-e89b-12d3-a456-426614174000", true},
        {"123E4567-E89B-12D3-A456-426614174000", true},
        {"00000000-0000-0000-0000-000000000000", true},
        {"", false},
        {"123e4567e89b12d3a456426614174000", false},
        {"123e4567-e89b-12d3-a456-42661417400", false},
        {"123e4567-e89b-12d3-a456-4266141740000", false},
        {"{123e4567-e89b-12d3-a456-426614174000}", false},
        {"123e4567-e89b-12d3-a456_426614174000", false},
        {"g23e4567-e89b-12d3-a456-426614174000", false},
        {"123e4567-e89b-12d3-a4-56426614174000", false},
        {" 23e4567-e89b-12d3-a456-426614174000", false},
    };

    for (size_t i = 0; i < sizeof cases_ / sizeof cases_[0]; i++) {
        print_message("uuid: %s\n", cases_[i].text);
        assert_int_equal(lk_format_is_uuid(cases_[i].text, strlen(cases_[i].text)), cases_[i].valid);
    }
    assert_false(lk_format_is_uuid("123e4567-e89b-12d3-a456-42661417400\0", 36));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate_case_table),
        cmocka_unit_test(validate_returns_declared_values),
        cmocka_unit_test(form_values_decoded),
        cmocka_unit_test(form_name_without_value),
        cmocka_unit_test(oversized_body_gets_413),
        cmocka_unit_test(body_at_limit_parsed),
        cmocka_unit_test(detail_counts_invalid_fields),
        cmocka_unit_test(errors_capped_at_maximum),
        cmocka_unit_test(form_only_rejects_json),
        cmocka_unit_test(unknown_field_name_sanitised),
        cmocka_unit_test(parse_error_omits_body),
        cmocka_unit_test(email_format_table),
        cmocka_unit_test(uuid_format_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
