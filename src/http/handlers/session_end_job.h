/*
 * The worker half of the endpoints that end sessions: POST /v1/logout and POST
 * /oauth/revoke end the session of a refresh token, POST /v1/logout/all ends every
 * session of the authenticated user. The revocation is written to PostgreSQL and
 * published through Redis (see sessions/session_end.h).
 */
#ifndef LK_HTTP_HANDLERS_SESSION_END_JOB_H
#define LK_HTTP_HANDLERS_SESSION_END_JOB_H

#include "crypto/opaque_token.h"
#include "http/request.h"
#include "store/db.h"

#include <stdint.h>

typedef struct lk_session_end_job {
    lk_request_job_t base;
    /* input: a refresh token of the session to end, or "" with `user_id` to end all */
    char refresh_token[LK_OPAQUE_TOKEN_LENGTH + 1];
    char user_id[37];
    const char *reason; /* a string literal stored as revoked_reason: "logout", "revoked" */
    /* output */
    lk_store_result_t result; /* LK_STORE_NOT_FOUND: no open session had that token */
    char session_id[37];      /* the session ended by token */
    int64_t ended_count;      /* sessions ended by an end-all */
} lk_session_end_job_t;

/*
 * Creates a job that ends the session of `refresh_token` (a well-formed opaque token),
 * or, when `refresh_token` is NULL, every session of `user_id`. Returns NULL when out of
 * memory.
 */
lk_session_end_job_t *lk_session_end_job_create(const char *refresh_token,
                                                const char *user_id, const char *reason);

/* Runs on a worker thread; sets `result` and the ended session or count. */
void lk_session_end_job_run(lk_job_t *job, lk_worker_t *worker);

/* Wipes the token and frees the job. Accepts NULL. */
void lk_session_end_job_destroy(lk_session_end_job_t *job);

#endif
