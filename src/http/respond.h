/*
 * Sending responses. Every function here adds the security headers, X-Request-Id and a
 * default Cache-Control: no-store, sends the response, and writes the request's log line.
 * Each request gets exactly one response. A second call is ignored and logged as a bug.
 */
#ifndef LK_HTTP_RESPOND_H
#define LK_HTTP_RESPOND_H

#include "http/request.h"
#include "validate/request_schema.h"

#include <jansson.h>

/* Adds a response header before one of the respond functions is called. */
void lk_response_header(lk_request_t *request, const char *name, const char *value);

/* Sends `body` as application/json. Steals the reference to `body`. */
void lk_respond_json(lk_request_t *request, int status, json_t *body);

/* Sends a body that is copied into the request's pool. */
void lk_respond_bytes(lk_request_t *request, int status, const char *content_type,
                      const char *body, size_t length);

/* Sends a response without a body (204, 304). */
void lk_respond_empty(lk_request_t *request, int status);

/*
 * Sends an RFC 9457 problem: {"type":"urn:latchkey:problem:<problem>","title","status",
 * "detail","request_id"}. `detail` may be NULL.
 */
void lk_respond_problem(lk_request_t *request, int status, const char *problem,
                        const char *title, const char *detail);

/* Sends the 400, 413 or 415 problem of a failed validation, with one entry per field. */
void lk_respond_invalid_request(lk_request_t *request, const lk_validation_result_t *result);

/*
 * Sends a 500 problem that reveals nothing about the cause, and logs `reason` (ids and error
 * codes only, never secrets) with the request id.
 */
void lk_respond_internal_error(lk_request_t *request, const char *reason);

/* Sends a 503 problem for a saturated worker pool or an unreachable dependency. */
void lk_respond_unavailable(lk_request_t *request, const char *reason);

#endif
