/* Query-string validation; see query_string.h. */
#include "validate/query_string.h"

#include "validate/body_parsing.h"

#include <stdio.h>
#include <string.h>

int lk_query_validate(const lk_field_rule_t *fields, size_t field_count, const char *query,
                      size_t length, json_t **object, lk_validation_result_t *result)
{
    lk_request_schema_t schema = {.fields = fields, .field_count = field_count};

    memset(result, 0, sizeof *result);
    *object = NULL;
    if (length > LK_QUERY_MAX_LENGTH) {
        char detail[sizeof result->detail];
        snprintf(detail, sizeof detail, "The query string must be at most %d bytes.",
                 LK_QUERY_MAX_LENGTH);
        lk_validation_reject(result, 400, detail, "query string too long");
        return -1;
    }

    json_t *parsed = lk_form_body_parse(query, length, result);
    if (parsed != NULL && lk_field_rules_check(&schema, parsed, true, result) != 0) {
        json_decref(parsed);
        parsed = NULL;
    }
    if (parsed == NULL) {
        /* The body parser's wording names a body, but this was the query string. */
        snprintf(result->detail, sizeof result->detail,
                 "The query string has invalid parameters.");
        return -1;
    }

    *object = parsed;
    return 0;
}
