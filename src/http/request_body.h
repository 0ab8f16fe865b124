/* Validating a request body against a handler's schema before the handler uses it. */
#ifndef LK_HTTP_REQUEST_BODY_H
#define LK_HTTP_REQUEST_BODY_H

#include "http/request.h"
#include "validate/request_schema.h"

/*
 * Validates the body against `fields` (JSON, and also form encoding when `accept_form`),
 * with the configured body size limit. Returns a new JSON object of the declared fields, or
 * NULL after having answered 400, 413 or 415 itself: the caller then simply returns.
 */
json_t *lk_parse_body_or_respond(lk_request_t *request, const lk_field_rule_t *fields,
                                 size_t field_count, bool accept_form);

#endif
