/* The one log line written for every answered request. */
#ifndef LK_HTTP_REQUEST_LOG_H
#define LK_HTTP_REQUEST_LOG_H

#include "http/request.h"

/*
 * Logs method, route (or the path, without its query, when no route matched), status,
 * duration, request id, client IP, user id and client id. Never the query string, headers
 * or body, which may carry credentials.
 */
void lk_request_log_write(const lk_request_t *request, int status);

#endif
