/*
 * Validation of URL query strings against declared parameters, with the same rules as
 * form bodies: the form-urlencoded syntax, declared names only, no repeated names, and
 * each value checked by its field rule (integers are converted). Pure, safe on any thread.
 */
#ifndef LK_VALIDATE_QUERY_STRING_H
#define LK_VALIDATE_QUERY_STRING_H

#include "validate/request_schema.h"

/* Longer query strings are rejected before parsing. */
#define LK_QUERY_MAX_LENGTH 2048

/*
 * Validates `length` bytes of `query` (the text after '?', possibly empty). On success
 * returns 0 and stores a new JSON object of the declared parameters present in `object`.
 * On failure returns -1, leaves `object` NULL and fills `result` with a 400 naming each
 * bad parameter.
 */
__attribute__((warn_unused_result)) int lk_query_validate(const lk_field_rule_t *fields,
                                                          size_t field_count, const char *query,
                                                          size_t length, json_t **object,
                                                          lk_validation_result_t *result);

#endif
