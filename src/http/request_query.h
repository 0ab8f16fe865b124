/* Validating a request's query string against a handler's declared parameters. */
#ifndef LK_HTTP_REQUEST_QUERY_H
#define LK_HTTP_REQUEST_QUERY_H

#include "http/request.h"
#include "validate/request_schema.h"

/*
 * Validates the query string (absent counts as empty) against `fields`. Returns a new
 * JSON object of the parameters present, or NULL after sending 400 itself: the
 * caller then simply returns. Event-loop thread.
 */
json_t *lk_parse_query_or_respond(lk_request_t *request, const lk_field_rule_t *fields,
                                  size_t field_count);

#endif
