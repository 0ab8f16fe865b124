/*
 * RFC 6750 Bearer authentication for endpoints that act for a signed-in user. The access
 * token in "Authorization: Bearer <token>" must verify against the key ring exactly as
 * POST /v1/token/verify checks it, and its session must not be revoked. Runs on the
 * event loop; it reads only in-memory state.
 */
#ifndef LK_HTTP_BEARER_AUTH_H
#define LK_HTTP_BEARER_AUTH_H

#include "http/request.h"

#include <jansson.h>

/*
 * Returns the token's claims (a new reference the caller releases) and records the user
 * and client id for the request log line. Otherwise responds 401 with a
 * WWW-Authenticate challenge itself and returns NULL: without error code when the
 * request carries no Bearer credentials, with error="invalid_token" when the token is
 * malformed, fails verification, has expired or belongs to a revoked session.
 */
json_t *lk_bearer_authenticate_or_respond(lk_request_t *request);

#endif
