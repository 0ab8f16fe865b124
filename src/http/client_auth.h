/*
 * Authentication of service clients with client_secret_basic (RFC 6749 section 2.3.1)
 * and their authorisation by scope. The credentials are read on the event loop, and the
 * client record comes from an access lookup (access_lookup.h). The secret is then checked
 * on the loop against the stored HMAC, in constant time.
 */
#ifndef LK_HTTP_CLIENT_AUTH_H
#define LK_HTTP_CLIENT_AUTH_H

#include "access/access_cache.h"
#include "http/basic_credentials.h"
#include "http/request.h"

/*
 * Sends 401 with `WWW-Authenticate: Basic realm="latchkey"`: "unauthenticated" when
 * `credentials_sent` is false, else "invalid-client". One response for an unknown client, a
 * wrong secret and a revoked client, so that callers cannot tell them apart.
 */
void lk_respond_client_unauthorized(lk_request_t *request, bool credentials_sent);

/*
 * Reads Basic credentials from the Authorization header into `credentials`. Returns 0,
 * or -1 after sending 401 for absent or malformed credentials.
 */
__attribute__((warn_unused_result)) int lk_client_credentials_or_respond(
    lk_request_t *request, lk_basic_credentials_t *credentials);

/*
 * Checks looked-up `client` against `credentials`: it must exist, not be revoked, and the
 * secret must match (401 otherwise). Then it must hold every scope of `required` (403
 * otherwise). On success records the client id for the log line and returns 0, otherwise
 * returns -1 after sending the response.
 */
__attribute__((warn_unused_result)) int lk_client_authorize_or_respond(
    lk_request_t *request, const lk_basic_credentials_t *credentials,
    const lk_client_fact_t *client, lk_scope_set_t required);

#endif
