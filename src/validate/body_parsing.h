/*
 * Steps of lk_request_validate, one file each: the Content-Type check, the JSON and form
 * parsers, the field rules, and the helpers that fill an lk_validation_result_t. Internal
 * to src/validate. Pure functions, safe on any thread.
 */
#ifndef LK_VALIDATE_BODY_PARSING_H
#define LK_VALIDATE_BODY_PARSING_H

#include "validate/request_schema.h"

/*
 * Checks a Content-Type value against the encodings in `accepted_bodies`. Returns 0 and
 * stores LK_BODY_JSON or LK_BODY_FORM in `body_kind`, or -1 with a 415 in `result`.
 */
__attribute__((warn_unused_result)) int lk_content_type_check(const char *value, size_t length,
                                                              unsigned accepted_bodies,
                                                              unsigned *body_kind,
                                                              lk_validation_result_t *result);

/* Parses a JSON body that must be an object. Returns a new object, or NULL with a 400 in
 * `result`. */
json_t *lk_json_body_parse(const char *body, size_t length, lk_validation_result_t *result);

/* Parses an application/x-www-form-urlencoded body into a new object of strings. Returns
 * NULL with a 400 in `result`. */
json_t *lk_form_body_parse(const char *body, size_t length, lk_validation_result_t *result);

/*
 * Checks every member of `object` against the schema's field rules and rejects unknown
 * members. With `from_form`, converts string values of integer and boolean fields in
 * place. Returns 0, or -1 with a 400 in `result` naming up to LK_VALIDATION_MAX_ERRORS
 * fields.
 */
__attribute__((warn_unused_result)) int lk_field_rules_check(const lk_request_schema_t *schema,
                                                             json_t *object, bool from_form,
                                                             lk_validation_result_t *result);

/* Sets `status` and `detail` and, unless `message` is NULL, records one error for the body
 * as a whole (field ""). */
void lk_validation_reject(lk_validation_result_t *result, int status, const char *detail,
                          const char *message);

/*
 * Records an error for a field named by the client. The name is copied with bytes outside
 * printable ASCII replaced by '?' and truncated to fit. Errors past
 * LK_VALIDATION_MAX_ERRORS are dropped.
 */
void lk_validation_add_error(lk_validation_result_t *result, const char *field,
                             size_t field_length, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

#endif
