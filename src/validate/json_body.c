/*
 * JSON bodies, parsed with jansson. Without JSON_ALLOW_NUL jansson rejects "\u0000" in
 * strings, it always rejects invalid UTF-8, and JSON_REJECT_DUPLICATES rejects repeated
 * keys, so every string that reaches the field rules is valid UTF-8 without NUL bytes.
 */
#include "validate/body_parsing.h"

#include <stdio.h>
#include <string.h>

/*
 * Names the repeated key. jansson 2.14 detects the duplicate right after lexing the key,
 * so its error text ends with "near '\"KEY\"'" quoting that key and nothing else; the
 * name is then sanitised like any client-supplied field name.
 */
static void reject_duplicate_key(const json_error_t *error, lk_validation_result_t *result)
{
    char key[sizeof result->errors[0].field] = "";
    const char *start = strstr(error->text, "near '\"");
    if (start != NULL) {
        start += strlen("near '\"");
        const char *end = strstr(start, "\"'");
        size_t length = end != NULL ? (size_t)(end - start) : 0;
        if (length >= sizeof(key))
            length = sizeof(key) - 1;
        memcpy(key, start, length);
        key[length] = '\0';
    }

    lk_validation_reject(result, 400, "The request body contains a duplicate key.", NULL);
    lk_validation_add_error(result, key, strlen(key), "duplicate key");
}

/*
 * Fills `result` from a jansson error. The error text is not copied because it quotes
 * the body near the error, which may contain a password; the position is enough.
 */
static void reject_parse_error(const json_error_t *error, lk_validation_result_t *result)
{
    char detail[sizeof result->detail];

    switch (json_error_code(error)) {
    case json_error_invalid_utf8:
        lk_validation_reject(result, 400, "The request body is not valid UTF-8.", "invalid UTF-8");
        return;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        lk_validation_reject(result, 400, "The request body contains a NUL character.",
                             "strings must not contain \\u0000");
        return;
    case json_error_duplicate_key:
        reject_duplicate_key(error, result);
        return;
    default:
        snprintf(detail, sizeof detail, "The request body is not valid JSON (line %d, column %d).",
                 error->line, error->column);
        lk_validation_reject(result, 400, detail, "invalid JSON");
        return;
    }
}

json_t *lk_json_body_parse(const char *body, size_t length, lk_validation_result_t *result)
{
    json_error_t error;

    if (length == 0) {
        lk_validation_reject(result, 400, "The request body is empty.", "empty body");
        return NULL;
    }

    json_t *value = json_loadb(body, length, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (value == NULL) {
        reject_parse_error(&error, result);
        return NULL;
    }
    if (!json_is_object(value)) {
        json_decref(value);
        lk_validation_reject(result, 400, "The request body must be a JSON object.",
                             "must be an object");
        return NULL;
    }
    return value;
}
