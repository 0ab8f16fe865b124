/* Refresh tokens that cannot be rotated: retries, reuse and the rest; see
 * token_refresh_steps.h. */
#include "http/handlers/token_refresh_steps.h"

#include "core/log.h"
#include "sessions/refresh_scope.h"
#include "sessions/refresh_verdict.h"
#include "sessions/session_end.h"
#include "sessions/successor_seal.h"

#include <string.h>

/*
 * Ends the session of a reused token or a disabled user and writes the audit event. A
 * session that a concurrent request ended first is left alone.
 */
static void end_session(lk_refresh_job_t *job, lk_worker_t *worker,
                        const lk_refresh_token_state_t *state, lk_refresh_verdict_t verdict)
{
    bool reuse = verdict == LK_REFRESH_VERDICT_REUSE;
    json_t *details = json_pack("{s:s, s:s}", "refresh_token_id", state->token_id, "client_ip",
                                job->client_ip);
    lk_session_end_request_t request = {
        .session_id = state->session.session_id,
        .reason = reuse ? "refresh_token_reuse" : "user_disabled",
        .event = reuse ? "session.refresh_token_reused" : "session.ended",
        .actor = reuse ? "anonymous" : "system",
        .details = details,
    };

    PGconn *connection = lk_worker_database(worker);
    redisContext *redis = lk_worker_redis(worker);
    lk_store_result_t result = connection != NULL
                                   ? lk_session_end(connection, redis, &request,
                                                    lk_worker_config(worker)->access_token_ttl,
                                                    NULL)
                                   : LK_STORE_UNAVAILABLE;
    json_decref(details);

    if (result == LK_STORE_OK && reuse)
        lk_log_warn("refresh reuse detected: session %s of user %s revoked (token %s)",
                    state->session.session_id, state->session.user_id, state->token_id);
    else if (result != LK_STORE_OK && result != LK_STORE_NOT_FOUND)
        lk_log_error("session end failed: session %s: %s", state->session.session_id,
                     lk_store_result_name(result));
}

/* Returns the successor sealed in the row to a retry within the grace period. */
static lk_refresh_outcome_t return_successor(lk_refresh_job_t *job,
                                             const lk_refresh_token_state_t *state,
                                             const char *token_hash)
{
    if (lk_successor_open(job->presented, LK_OPAQUE_TOKEN_LENGTH, token_hash,
                          state->successor_sealed, job->refresh_token) != 0) {
        lk_log_error("refresh failed: session %s: the sealed successor of token %s does not "
                     "open",
                     state->session.session_id, state->token_id);
        return LK_REFRESH_FAILED;
    }
    job->session = state->session;
    return LK_REFRESH_ISSUED;
}

/*
 * Serves a retry. The first refresh already moved the session to its organisation, so the
 * retry's access token is scoped to the session's organisation with the role as it is
 * now. A retry that names another organisation is rejected without ending the session,
 * and the successor keeps working for whoever received it.
 */
static lk_refresh_outcome_t serve_retry(lk_refresh_job_t *job, PGconn *connection,
                                        const lk_refresh_token_state_t *state,
                                        const char *token_hash)
{
    if (!lk_refresh_scope_retry_matches(job->org_id, state->session.org_id)) {
        job->detail = "retry_names_other_organisation";
        return LK_REFRESH_REJECTED;
    }

    lk_refresh_outcome_t scoped = lk_refresh_job_resolve_scope(job, connection, &state->session);
    if (scoped != LK_REFRESH_ISSUED)
        return scoped;
    return return_successor(job, state, token_hash);
}

lk_refresh_outcome_t lk_refresh_job_recover(lk_refresh_job_t *job, lk_worker_t *worker,
                                            PGconn *connection,
                                            const lk_refresh_token_state_t *state,
                                            const char *token_hash)
{
    lk_refresh_verdict_t verdict = lk_refresh_verdict(state);
    job->detail = lk_refresh_verdict_name(verdict);
    memcpy(job->session.user_id, state->session.user_id, sizeof job->session.user_id);
    memcpy(job->session.session_id, state->session.session_id, sizeof job->session.session_id);

    if (verdict == LK_REFRESH_VERDICT_RETRY)
        return serve_retry(job, connection, state, token_hash);
    if (verdict == LK_REFRESH_VERDICT_REUSE || verdict == LK_REFRESH_VERDICT_USER_DISABLED)
        end_session(job, worker, state, verdict);
    return LK_REFRESH_REJECTED;
}
