/*
 * Steps of the refresh job shared between token_refresh_job.c (rotation) and
 * token_refresh_recover.c (tokens that cannot be rotated). Worker threads only.
 */
#ifndef LK_HTTP_HANDLERS_TOKEN_REFRESH_STEPS_H
#define LK_HTTP_HANDLERS_TOKEN_REFRESH_STEPS_H

#include "http/handlers/token_refresh_job.h"

static inline lk_refresh_outcome_t lk_refresh_outcome_of_store_failure(lk_store_result_t result)
{
    return result == LK_STORE_UNAVAILABLE ? LK_REFRESH_UNAVAILABLE : LK_REFRESH_FAILED;
}

/*
 * Fills job->scope with the organisation the new access token is scoped to (job->org_id,
 * else the organisation of `session`) and the user's current role in it. Returns
 * LK_REFRESH_ISSUED when the user is a member or no organisation applies,
 * LK_REFRESH_NOT_MEMBER when the user is not a member, or the outcome of a store failure.
 */
lk_refresh_outcome_t lk_refresh_job_resolve_scope(lk_refresh_job_t *job, PGconn *connection,
                                                  const lk_refresh_session_t *session);

/*
 * Acts on a token that cannot be rotated, described by `state`. A retry within the grace
 * period gets the sealed successor, scoped as the session is now. A reused token or a
 * disabled user ends the session, and every other token is rejected. Sets job->detail.
 */
lk_refresh_outcome_t lk_refresh_job_recover(lk_refresh_job_t *job, lk_worker_t *worker,
                                            PGconn *connection,
                                            const lk_refresh_token_state_t *state,
                                            const char *token_hash);

#endif
