/*
 * Declarative validation of request bodies. Each handler declares its fields once (name,
 * JSON type, required, length or range, format); a body is checked against that schema
 * before the handler runs. Unknown fields, duplicate keys, wrong types, invalid UTF-8,
 * bodies over the size limit and unsupported media types are all rejected, and every bad
 * field is named. Pure functions, safe on any thread.
 */
#ifndef LK_VALIDATE_REQUEST_SCHEMA_H
#define LK_VALIDATE_REQUEST_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lk_field_type {
    LK_FIELD_STRING = 0,
    LK_FIELD_INTEGER,
    LK_FIELD_BOOLEAN,
} lk_field_type_t;

typedef enum lk_field_format {
    LK_FORMAT_NONE = 0,
    LK_FORMAT_EMAIL, /* local@domain, no spaces or control characters, at most 254 bytes */
    LK_FORMAT_UUID,  /* canonical 8-4-4-4-12 hexadecimal */
} lk_field_format_t;

typedef struct lk_field_rule {
    const char *name;
    lk_field_type_t type;
    bool required;
    size_t min_length; /* strings: Unicode code points */
    size_t max_length; /* strings: Unicode code points; 0 means no limit */
    int64_t min_value; /* integers */
    int64_t max_value; /* integers; min_value == max_value == 0 means no range */
    lk_field_format_t format;
} lk_field_rule_t;

/* Which body encodings an endpoint accepts. */
#define LK_BODY_JSON 1u
#define LK_BODY_FORM 2u /* application/x-www-form-urlencoded: text values, converted per field type */

typedef struct lk_request_schema {
    const lk_field_rule_t *fields;
    size_t field_count;
    size_t max_body_bytes;  /* larger bodies get 413 */
    unsigned accepted_bodies; /* LK_BODY_JSON, optionally | LK_BODY_FORM */
} lk_request_schema_t;

#define LK_VALIDATION_MAX_ERRORS 8

typedef struct lk_field_error {
    char field[64];    /* the field name as sent, truncated; "" for the body as a whole */
    char message[192]; /* "must be a string", "must be at most 254 characters" */
} lk_field_error_t;

typedef struct lk_validation_result {
    int status;          /* 400, 413 or 415 when invalid */
    char detail[192];    /* one sentence for the problem's "detail" */
    lk_field_error_t errors[LK_VALIDATION_MAX_ERRORS];
    size_t error_count;
} lk_validation_result_t;

/*
 * Validates a body. `content_type` is the request's Content-Type header value, or NULL;
 * parameters such as "; charset=utf-8" are allowed. On success returns 0 and stores a new
 * JSON object in `object` that holds only declared fields. Form bodies become an object
 * of strings, except that fields declared as integer or boolean hold the parsed number or
 * true/false. On failure returns -1, fills `result` and leaves `object` NULL.
 */
__attribute__((warn_unused_result)) int lk_request_validate(const lk_request_schema_t *schema,
                                                            const char *content_type,
                                                            size_t content_type_length,
                                                            const char *body, size_t length,
                                                            json_t **object,
                                                            lk_validation_result_t *result);

/* Returns the string value of a validated field, or NULL when absent. */
const char *lk_request_string(const json_t *object, const char *name);

/* Returns true when `text` has exactly one '@', a local part of 1 to 64 bytes, a domain
 * without empty labels, no white space or control characters and at most 254 bytes. */
bool lk_format_is_email(const char *text, size_t length);

/* Returns true for the canonical 8-4-4-4-12 form in hexadecimal digits of either case. */
bool lk_format_is_uuid(const char *text, size_t length);

#endif
