/*
 * Bearer authentication of users with latchkey's own access tokens (RFC 6750), shared by
 * every endpoint that acts for a signed-in user. Verification uses only the in-memory key
 * ring, so all of this runs on the event loop without blocking.
 */
#ifndef LK_HTTP_BEARER_H
#define LK_HTTP_BEARER_H

#include "http/request.h"
#include "tokens/access_token.h"

#include <jansson.h>

/* Allowed difference between instances' clocks when checking "iat" and "exp". */
#define LK_TOKEN_LEEWAY_SECONDS 5

typedef enum lk_bearer_status {
    LK_BEARER_ABSENT = 0, /* no Authorization header, or another scheme */
    LK_BEARER_INVALID,    /* a Bearer token that does not verify */
    LK_BEARER_VALID,
} lk_bearer_status_t;

/*
 * Verifies `token` against the current key ring with the configured issuer and audience.
 * On LK_TOKEN_VALID stores a new reference to the claims in `claims`.
 */
lk_token_status_t lk_bearer_verify_token(lk_request_t *request, const char *token, size_t length,
                                         json_t **claims);

/*
 * Reads and verifies the Bearer token of the Authorization header. On LK_BEARER_VALID
 * stores a new reference to the claims in `claims` and records the token's "sub" and
 * "client_id" as the request's user and client for the log line.
 */
lk_bearer_status_t lk_bearer_authenticate(lk_request_t *request, json_t **claims);

/*
 * Sends 401 with `WWW-Authenticate: Bearer realm="latchkey"`, adding
 * error="invalid_token" when `status` is LK_BEARER_INVALID.
 */
void lk_respond_bearer_unauthorized(lk_request_t *request, lk_bearer_status_t status);

/*
 * Authenticates the request's user: returns 0 with a new reference to the token's claims
 * in `claims`, or -1 after sending 401 itself.
 */
__attribute__((warn_unused_result)) int lk_authenticate_bearer_or_respond(lk_request_t *request,
                                                                          json_t **claims);

/* Returns the string claim `name`, or "" when it is absent or not a string. */
const char *lk_claim_string(const json_t *claims, const char *name);

#endif
