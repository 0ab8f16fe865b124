/*
 * Rate limits at the HTTP layer: which limit class each route has, the in-memory check on
 * the event loop for loop-only endpoints, and the response headers of every limit decision.
 * Event-loop threads only.
 *
 * Headers follow the RateLimit-Policy and RateLimit fields of
 * draft-ietf-httpapi-ratelimit-headers-10, with one list item per rule that applied, named
 * after the rule ("login-ip"). RateLimit-Policy carries q (quota) and w (window in seconds),
 * and RateLimit carries r (remaining) and t (seconds until more quota). Rules that count other
 * clients' requests too (per account) are listed only when they reject the request, so that
 * one client cannot watch another's attempts. A rejected request also gets Retry-After.
 */
#ifndef LK_HTTP_LIMIT_RESPONSE_H
#define LK_HTTP_LIMIT_RESPONSE_H

#include "http/request.h"

/* Returns the limit class of a route (a path of the route table); LK_LIMIT_API for routes
 * without a class of their own. */
lk_limit_class_t lk_route_limit_class(const char *route);

/*
 * Prepares the request's limit query from its route and client address, and, for an
 * in-memory class, checks it now. Returns true when the handler may run, or false after
 * sending 429.
 */
bool lk_route_limit_admit_or_respond(lk_request_t *request);

/*
 * Applies a decision: adds the RateLimit headers and returns true when it admitted the
 * request (or made none). Otherwise sends 429 (rejected) or 503 (Redis unavailable) and
 * returns false.
 */
bool lk_limit_admit_or_respond(lk_request_t *request, const lk_limit_decision_t *decision);

#endif
