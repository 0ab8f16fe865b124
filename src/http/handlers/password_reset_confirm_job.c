/* The worker half of POST /v1/password-reset/confirm; see password_reset_confirm_job.h. */
#include "http/handlers/password_reset_confirm_job.h"

#include "core/log.h"
#include "passwords/password_hash.h"
#include "sessions/session_end.h"
#include "store/password_resets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lk_reset_confirm_job_t *lk_reset_confirm_job_create(const char *token, const char *password,
                                                    const char *request_id)
{
    lk_reset_confirm_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return NULL;
    lk_opaque_token_hash_hex(token, strlen(token), job->token_hash);
    snprintf(job->request_id, sizeof(job->request_id), "%s", request_id);

    job->password_length = strlen(password);
    job->password = sodium_malloc(job->password_length + 1);
    if (job->password == NULL) {
        lk_reset_confirm_job_destroy(job);
        return NULL;
    }
    memcpy(job->password, password, job->password_length + 1);
    return job;
}

void lk_reset_confirm_job_destroy(lk_reset_confirm_job_t *job)
{
    if (job == NULL)
        return;
    sodium_free(job->password);
    free(job);
}

static lk_reset_confirm_outcome_t outcome_of(lk_store_result_t result)
{
    switch (result) {
    case LK_STORE_OK:
        return LK_RESET_CONFIRMED;
    case LK_STORE_NOT_FOUND:
        return LK_RESET_INVALID_TOKEN;
    case LK_STORE_UNAVAILABLE:
        return LK_RESET_UNAVAILABLE;
    default:
        return LK_RESET_FAILED;
    }
}

/*
 * Checks the token, then hashes and stores the password. The token is checked first so that
 * invalid tokens cost no Argon2id work, and again in the transaction, so that of two
 * concurrent uses exactly one succeeds.
 */
static lk_reset_confirm_outcome_t confirm(lk_reset_confirm_job_t *job, PGconn *connection,
                                          lk_password_reset_owner_t *owner)
{
    lk_store_result_t found = lk_store_password_reset_find(connection, job->token_hash, owner);
    if (found != LK_STORE_OK)
        return outcome_of(found);

    char hash[LK_PASSWORD_HASH_SIZE];
    lk_password_params_t params = lk_password_params_default();
    if (lk_password_hash(&params, job->password, job->password_length, hash) != 0) {
        lk_log_error("password reset failed: request %s: hashing failed (out of memory)",
                     job->request_id);
        return LK_RESET_FAILED;
    }

    int64_t sessions = 0;
    lk_store_result_t completed = lk_store_password_reset_complete(
        connection, job->token_hash, hash, job->request_id, owner, &sessions);
    sodium_memzero(hash, sizeof(hash));
    if (completed == LK_STORE_OK)
        lk_log_info("password reset: user %s set a new password; %lld session(s) ended "
                    "(request %s)",
                    owner->user_id, (long long)sessions, job->request_id);
    return outcome_of(completed);
}

void lk_reset_confirm_job_run(lk_job_t *base, lk_worker_t *worker)
{
    lk_reset_confirm_job_t *job = (lk_reset_confirm_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->outcome = LK_RESET_UNAVAILABLE;
        return;
    }

    lk_password_reset_owner_t owner;
    job->outcome = confirm(job, connection, &owner);
    if (job->outcome == LK_RESET_UNAVAILABLE)
        lk_worker_database_reset(worker);
    if (job->outcome != LK_RESET_CONFIRMED) {
        if (job->outcome == LK_RESET_INVALID_TOKEN)
            lk_log_info("password reset rejected: request %s: invalid, used or expired token",
                        job->request_id);
        return;
    }
    memcpy(job->user_id, owner.user_id, sizeof(job->user_id));

    /* The sessions ended in the transaction above. This call finds none left to end and
     * publishes their revocation, so that verification reports their access tokens inactive
     * on every instance. It logs its own failures, and the session pruner publishes again. */
    lk_store_result_t published = lk_sessions_end_all_for_user(
        connection, lk_worker_redis(worker), owner.user_id, "password_reset",
        lk_worker_config(worker)->access_token_ttl, NULL);
    if (published == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);

    /* Proving control of the mailbox counts like a successful login from this address: its
     * login failures are forgotten and it becomes known for the account. */
    lk_limit_query_t login = job->base.limit_query;
    login.limit_class = LK_LIMIT_LOGIN;
    snprintf(login.subject, sizeof(login.subject), "%s", owner.email_normalized);
    lk_limits_record_success(job->base.limits, worker, &login);
}
