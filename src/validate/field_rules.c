/* Field rules: each declared field's presence, type, length, range and format, and the
 * rejection of undeclared fields. */
#include "validate/body_parsing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* jansson guarantees valid UTF-8, so counting the bytes that do not continue a sequence
 * counts code points. */
static size_t count_code_points(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++) {
        count += ((unsigned char)text[i] & 0xC0) != 0x80;
    }
    return count;
}

/* Stores the problem with a string value in `message`, or returns false when it has none. */
static bool string_problem(const lk_field_rule_t *rule, const json_t *value, char *message,
                           size_t size)
{
    const char *text = json_string_value(value);
    size_t length = json_string_length(value);
    size_t characters = count_code_points(text, length);

    if (characters == 0 && rule->min_length == 1) {
        snprintf(message, size, "must not be empty");
    } else if (characters < rule->min_length) {
        snprintf(message, size, "must be at least %zu characters", rule->min_length);
    } else if (rule->max_length != 0 && characters > rule->max_length) {
        snprintf(message, size, "must be at most %zu characters", rule->max_length);
    } else if (rule->format == LK_FORMAT_EMAIL && !lk_format_is_email(text, length)) {
        snprintf(message, size, "must be an email address");
    } else if (rule->format == LK_FORMAT_UUID && !lk_format_is_uuid(text, length)) {
        snprintf(message, size, "must be a UUID (8-4-4-4-12 hexadecimal digits)");
    } else {
        return false;
    }
    return true;
}

static bool has_range(const lk_field_rule_t *rule)
{
    return rule->min_value != 0 || rule->max_value != 0;
}

static bool integer_problem(const lk_field_rule_t *rule, const json_t *value, char *message,
                            size_t size)
{
    json_int_t number = json_integer_value(value);
    if (!has_range(rule) || (number >= rule->min_value && number <= rule->max_value)) {
        return false;
    }
    snprintf(message, size, "must be an integer from %" PRId64 " to %" PRId64, rule->min_value,
             rule->max_value);
    return true;
}

/* Parses decimal text such as "-12" (no sign '+', no spaces) into a new JSON integer. */
static json_t *integer_from_text(const char *text)
{
    if (!(text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) {
        return NULL;
    }
    char *end = NULL;
    errno = 0;
    long long number = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        return NULL;
    }
    return json_integer(number);
}

static json_t *boolean_from_text(const char *text)
{
    if (strcmp(text, "true") == 0) {
        return json_true();
    }
    if (strcmp(text, "false") == 0) {
        return json_false();
    }
    return NULL;
}

/*
 * Replaces the string value of a form field declared as integer or boolean with the
 * parsed value. Leaves the string in place when the text does not parse, so that the type
 * check reports it.
 */
static void convert_form_value(json_t *object, const lk_field_rule_t *rule, const json_t *value)
{
    const char *text = json_string_value(value);
    json_t *converted = NULL;

    if (text == NULL || rule->type == LK_FIELD_STRING) {
        return;
    }
    converted = rule->type == LK_FIELD_INTEGER ? integer_from_text(text) : boolean_from_text(text);
    if (converted != NULL) {
        (void)json_object_set_new(object, rule->name, converted);
    }
}

static const char *type_message(lk_field_type_t type)
{
    switch (type) {
    case LK_FIELD_INTEGER:
        return "must be an integer";
    case LK_FIELD_BOOLEAN:
        return "must be true or false";
    case LK_FIELD_STRING:
    default:
        return "must be a string";
    }
}

static bool has_type(const json_t *value, lk_field_type_t type)
{
    switch (type) {
    case LK_FIELD_INTEGER:
        return json_is_integer(value);
    case LK_FIELD_BOOLEAN:
        return json_is_boolean(value);
    case LK_FIELD_STRING:
    default:
        return json_is_string(value);
    }
}

/* Checks one declared field. Returns true when it is valid or absent and optional;
 * otherwise records the error in `result`. */
static bool check_field(const lk_field_rule_t *rule, json_t *object, bool from_form,
                        lk_validation_result_t *result)
{
    char message[sizeof result->errors[0].message] = "";
    size_t name_length = strlen(rule->name);
    json_t *value = json_object_get(object, rule->name);

    if (value == NULL) {
        if (rule->required) {
            lk_validation_add_error(result, rule->name, name_length, "is required");
        }
        return !rule->required;
    }

    if (from_form) {
        convert_form_value(object, rule, value);
        value = json_object_get(object, rule->name);
    }

    bool problem = true;
    if (!has_type(value, rule->type)) {
        snprintf(message, sizeof message, "%s", type_message(rule->type));
    } else if (rule->type == LK_FIELD_STRING) {
        problem = string_problem(rule, value, message, sizeof message);
    } else if (rule->type == LK_FIELD_INTEGER) {
        problem = integer_problem(rule, value, message, sizeof message);
    } else {
        problem = false;
    }

    if (problem) {
        lk_validation_add_error(result, rule->name, name_length, "%s", message);
    }
    return !problem;
}

static bool is_declared(const lk_request_schema_t *schema, const char *name)
{
    for (size_t i = 0; i < schema->field_count; i++) {
        if (strcmp(schema->fields[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

int lk_field_rules_check(const lk_request_schema_t *schema, json_t *object, bool from_form,
                         lk_validation_result_t *result)
{
    size_t invalid = 0;
    const char *name;
    json_t *value;

    for (size_t i = 0; i < schema->field_count; i++) {
        invalid += !check_field(&schema->fields[i], object, from_form, result);
    }

    /* Members in body order; jansson 2.8 and later keep insertion order. */
    json_object_foreach(object, name, value) {
        if (!is_declared(schema, name)) {
            lk_validation_add_error(result, name, strlen(name), "unknown field");
            invalid++;
        }
    }

    if (invalid == 0) {
        return 0;
    }
    result->status = 400;
    snprintf(result->detail, sizeof result->detail, "The request body has %zu invalid field%s.",
             invalid, invalid == 1 ? "" : "s");
    return -1;
}
