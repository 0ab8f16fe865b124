/* The worker half of logout, logout-all and token revocation; see session_end_job.h. */
#include "http/handlers/session_end_job.h"

#include "sessions/session_end.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

lk_session_end_job_t *lk_session_end_job_create(const char *refresh_token,
                                                const char *user_id, const char *reason)
{
    lk_session_end_job_t *job = calloc(1, sizeof *job);
    if (job == NULL)
        return NULL;
    if (refresh_token != NULL)
        snprintf(job->refresh_token, sizeof job->refresh_token, "%s", refresh_token);
    if (user_id != NULL)
        snprintf(job->user_id, sizeof job->user_id, "%s", user_id);
    job->reason = reason;
    return job;
}

void lk_session_end_job_destroy(lk_session_end_job_t *job)
{
    if (job == NULL)
        return;
    sodium_memzero(job->refresh_token, sizeof job->refresh_token);
    free(job);
}

/* Ends the session that the refresh token belongs to, whichever token of its family. */
static lk_store_result_t end_by_token(lk_session_end_job_t *job, PGconn *connection,
                                      redisContext *redis, int64_t access_token_ttl)
{
    char token_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    lk_opaque_token_hash_hex(job->refresh_token, LK_OPAQUE_TOKEN_LENGTH, token_hash);

    lk_session_end_request_t request = {
        .refresh_token_hash = token_hash,
        .reason = job->reason,
        .event = "session.ended",
        .actor = NULL,
    };
    lk_revoked_session_t ended;
    lk_store_result_t result = lk_session_end(connection, redis, &request, access_token_ttl,
                                              &ended);
    if (result == LK_STORE_OK)
        snprintf(job->session_id, sizeof job->session_id, "%s", ended.session_id);
    return result;
}

void lk_session_end_job_run(lk_job_t *base, lk_worker_t *worker)
{
    lk_session_end_job_t *job = (lk_session_end_job_t *)base;
    int64_t access_token_ttl = lk_worker_config(worker)->access_token_ttl;

    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->result = LK_STORE_UNAVAILABLE;
        return;
    }
    redisContext *redis = lk_worker_redis(worker);

    if (job->refresh_token[0] != '\0')
        job->result = end_by_token(job, connection, redis, access_token_ttl);
    else
        job->result = lk_sessions_end_all_for_user(connection, redis, job->user_id, job->reason,
                                                   access_token_ttl, &job->ended_count);

    if (job->result == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);
}
