/*
 * The route table: every endpoint, its method and its handler, in one place so that
 * unknown paths get 404 and wrong methods 405 with an Allow header, uniformly.
 */
#ifndef LK_HTTP_ROUTER_H
#define LK_HTTP_ROUTER_H

#include "http/request.h"

/* Handles one request and must respond to it exactly once, now or after a worker job. */
typedef void (*lk_handler_fn)(lk_request_t *request);

typedef struct lk_route {
    const char *method; /* "*" accepts every method */
    const char *path;   /* a pattern, see route_pattern.h */
    lk_handler_fn handler;
} lk_route_t;

/* Finds the handler for the request's method and path and runs it, or responds with 404 or 405. */
void lk_router_dispatch(lk_request_t *request);

#endif
