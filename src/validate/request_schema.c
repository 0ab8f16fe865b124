/*
 * lk_request_validate runs the steps in order: Content-Type (415), size (413) before
 * any parsing, then the JSON or form parser and the field rules (400).
 */
#include "validate/body_parsing.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lk_validation_reject(lk_validation_result_t *result, int status, const char *detail,
                          const char *message)
{
    result->status = status;
    snprintf(result->detail, sizeof result->detail, "%s", detail);
    if (message != NULL) {
        lk_validation_add_error(result, "", 0, "%s", message);
    }
}

/* Copies a client-supplied field name as printable ASCII, ending in "..." when cut. */
static void copy_field_name(char *field, size_t size, const char *name, size_t length)
{
    size_t copied = length < size - 1 ? length : size - 1;

    for (size_t i = 0; i < copied; i++) {
        unsigned char c = (unsigned char)name[i];
        field[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    field[copied] = '\0';
    if (copied < length) {
        memcpy(field + size - 4, "...", 4);
    }
}

void lk_validation_add_error(lk_validation_result_t *result, const char *field,
                             size_t field_length, const char *format, ...)
{
    if (result->error_count >= LK_VALIDATION_MAX_ERRORS) {
        return;
    }

    lk_field_error_t *error = &result->errors[result->error_count++];
    copy_field_name(error->field, sizeof error->field, field, field_length);

    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error->message, sizeof error->message, format, arguments);
    va_end(arguments);
}

int lk_request_validate(const lk_request_schema_t *schema, const char *content_type,
                        size_t content_type_length, const char *body, size_t length,
                        json_t **object, lk_validation_result_t *result)
{
    unsigned body_kind = 0;

    memset(result, 0, sizeof *result);
    *object = NULL;

    if (lk_content_type_check(content_type, content_type_length, schema->accepted_bodies,
                              &body_kind, result) != 0) {
        return -1;
    }
    if (length > schema->max_body_bytes) {
        char detail[sizeof result->detail];
        snprintf(detail, sizeof detail, "The request body must be at most %zu bytes.",
                 schema->max_body_bytes);
        lk_validation_reject(result, 413, detail, "body too large");
        return -1;
    }

    json_t *parsed = body_kind == LK_BODY_FORM ? lk_form_body_parse(body, length, result)
                                               : lk_json_body_parse(body, length, result);
    if (parsed == NULL) {
        return -1;
    }
    if (lk_field_rules_check(schema, parsed, body_kind == LK_BODY_FORM, result) != 0) {
        json_decref(parsed);
        return -1;
    }

    *object = parsed;
    return 0;
}

const char *lk_request_string(const json_t *object, const char *name)
{
    return json_string_value(json_object_get(object, name));
}
