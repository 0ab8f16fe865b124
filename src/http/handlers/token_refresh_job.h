/*
 * The worker half of POST /v1/token/refresh. It reads the presented refresh token's state
 * first. A token that can be rotated is rotated in one PostgreSQL statement, once the user
 * has been found to be a member of the organisation the new access token is scoped to
 * (the requested one, else the session's), so that a refused organisation leaves the
 * token unused. A token that cannot be rotated is acted on: a retry within the grace
 * period gets the sealed successor, and reuse ends the session. Then it signs a new access
 * token. Everything secret in the job is wiped when it is destroyed.
 */
#ifndef LK_HTTP_HANDLERS_TOKEN_REFRESH_JOB_H
#define LK_HTTP_HANDLERS_TOKEN_REFRESH_JOB_H

#include "access/org_scope.h"
#include "crypto/opaque_token.h"
#include "http/request.h"
#include "keys/keyring.h"
#include "store/refresh_tokens.h"

#include <stdint.h>

typedef enum lk_refresh_outcome {
    LK_REFRESH_ISSUED = 0,    /* rotated, or the successor returned to a retry */
    LK_REFRESH_REJECTED,      /* unknown, expired, revoked or reused: 401 */
    LK_REFRESH_NOT_MEMBER,    /* not a member of the organisation: 403, token left unused */
    LK_REFRESH_NO_ACTIVE_KEY,
    LK_REFRESH_UNAVAILABLE,
    LK_REFRESH_FAILED,
} lk_refresh_outcome_t;

typedef struct lk_refresh_job {
    lk_request_job_t base;
    /* input */
    char presented[LK_OPAQUE_TOKEN_LENGTH + 1];
    lk_keyring_t *ring;
    char client_ip[64]; /* recorded in the audit event of a reuse */
    char org_id[37];    /* lower-case UUID of the organisation to switch to, or "" */
    /* output */
    lk_refresh_outcome_t outcome;
    const char *detail; /* for the log: "rotated", "retry", "unknown", "reuse", ... */
    lk_refresh_session_t session;
    lk_org_scope_t scope; /* the organisation and current role the access token carries */
    char *access_token;
    char refresh_token[LK_OPAQUE_TOKEN_LENGTH + 1];
    int64_t expires_in;
} lk_refresh_job_t;

/*
 * Creates a job for a well-formed refresh token, taking over the reference to `ring`.
 * Returns NULL when out of memory (the ring is then released).
 */
lk_refresh_job_t *lk_refresh_job_create(const char *refresh_token, lk_keyring_t *ring,
                                        const char *client_ip);

/* Runs on a worker thread; sets `outcome` and, when issued, the tokens and the session. */
void lk_refresh_job_run(lk_job_t *job, lk_worker_t *worker);

/* Wipes the tokens, releases the ring and frees the job. Accepts NULL. */
void lk_refresh_job_destroy(lk_refresh_job_t *job);

#endif
