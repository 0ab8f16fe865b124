/*
 * RFC 9068 access tokens: compact JWS with header {"alg","typ":"at+jwt","kid"} and claims
 * iss, sub, aud, exp, iat, jti, client_id, sid and, for organisation-scoped tokens, org_id
 * and role. Signing and verification use the key ring's parsed keys; the algorithm is
 * taken from the key named by "kid", never from the token header alone.
 */
#ifndef LK_TOKENS_ACCESS_TOKEN_H
#define LK_TOKENS_ACCESS_TOKEN_H

#include "keys/keyring.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens longer than this are rejected before any parsing. */
#define LK_ACCESS_TOKEN_MAX_LENGTH 4096

typedef struct lk_access_claims {
    const char *issuer;
    const char *audience;
    const char *subject;    /* user id */
    const char *client_id;
    const char *session_id;
    const char *org_id;     /* NULL unless scoped to an organisation */
    const char *role;       /* NULL unless scoped to an organisation */
    int64_t issued_at;      /* seconds since the epoch */
    int64_t expires_at;
} lk_access_claims_t;

/*
 * Builds and signs a token with `key` (which must hold its private half). A random "jti"
 * is generated here. Stores the malloc'ed token text in `token`. Returns 0 or -1.
 */
__attribute__((warn_unused_result)) int lk_access_token_sign(const lk_signing_key_t *key,
                                                             const lk_access_claims_t *claims,
                                                             char **token);

typedef enum lk_token_status {
    LK_TOKEN_VALID = 0,
    LK_TOKEN_MALFORMED,       /* not three base64url parts of JSON objects, or too long */
    LK_TOKEN_UNKNOWN_KEY,     /* no "kid", or no published key with that kid */
    LK_TOKEN_ALG_MISMATCH,    /* header "alg" differs from the key's pinned algorithm */
    LK_TOKEN_BAD_SIGNATURE,
    LK_TOKEN_WRONG_TYPE,      /* header "typ" is not "at+jwt" */
    LK_TOKEN_EXPIRED,
    LK_TOKEN_NOT_YET_VALID,   /* "iat" or "nbf" in the future beyond the leeway */
    LK_TOKEN_WRONG_ISSUER,
    LK_TOKEN_WRONG_AUDIENCE,
    LK_TOKEN_MISSING_CLAIM,   /* a required claim is absent or has the wrong JSON type */
    LK_TOKEN_SESSION_REVOKED, /* valid, but its session has ended; set by callers that
                                 consult the revocation list, never by verification */
} lk_token_status_t;

typedef struct lk_verify_params {
    const char *issuer;     /* required "iss" */
    const char *audience;   /* required member of "aud" (string or array) */
    int64_t now;            /* seconds since the epoch */
    int64_t leeway_seconds; /* clock skew allowed on exp, iat and nbf */
} lk_verify_params_t;

/*
 * Verifies a token against the ring: size, structure, kid, pinned algorithm, signature,
 * typ, then iss, aud, exp, iat/nbf and the presence of sub, jti, client_id and sid. On
 * LK_TOKEN_VALID and when `claims` is not NULL, stores a new reference to the claims
 * object there. Never reads anything but `ring`, so it is safe on an event-loop thread.
 */
lk_token_status_t lk_access_token_verify(const lk_keyring_t *ring, const char *token,
                                         size_t length, const lk_verify_params_t *params,
                                         json_t **claims);

/* Returns a short name for logs ("expired", "bad_signature"). */
const char *lk_token_status_name(lk_token_status_t status);

#endif
