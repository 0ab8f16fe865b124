/* The worker half of POST /v1/password; see password_change_job.h. */
#include "http/handlers/password_change_job.h"

#include "core/log.h"
#include "passwords/password_hash.h"
#include "sessions/revocation_publish.h"
#include "store/user_passwords.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Copies `text` into new sodium_malloc memory. Returns NULL when out of memory. */
static char *copy_secret(const char *text)
{
    size_t length = strlen(text);
    char *copy = sodium_malloc(length + 1);
    if (copy != NULL)
        memcpy(copy, text, length + 1);
    return copy;
}

lk_password_change_job_t *lk_password_change_job_create(const char *user_id,
                                                        const char *session_id,
                                                        const char *current_password,
                                                        const char *new_password)
{
    lk_password_change_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return NULL;
    snprintf(job->user_id, sizeof(job->user_id), "%s", user_id);
    snprintf(job->session_id, sizeof(job->session_id), "%s", session_id);
    job->current_password = copy_secret(current_password);
    job->new_password = copy_secret(new_password);
    if (job->current_password == NULL || job->new_password == NULL) {
        lk_password_change_job_destroy(job);
        return NULL;
    }
    return job;
}

void lk_password_change_job_destroy(lk_password_change_job_t *job)
{
    if (job == NULL)
        return;
    sodium_free(job->current_password);
    sodium_free(job->new_password);
    free(job);
}

static lk_password_change_outcome_t outcome_of_failure(lk_store_result_t result)
{
    return result == LK_STORE_UNAVAILABLE ? LK_PASSWORD_UNAVAILABLE : LK_PASSWORD_FAILED;
}

/* Checks the session and the current password of `owner`. */
static lk_password_change_outcome_t check_current(lk_password_change_job_t *job,
                                                  const lk_password_owner_t *owner)
{
    if (owner->disabled || !owner->session_active)
        return LK_PASSWORD_SESSION_ENDED;

    lk_password_check_t check = lk_password_verify(owner->password_hash, job->current_password,
                                                   strlen(job->current_password));
    if (check == LK_PASSWORD_CHECK_ERROR) {
        lk_log_error("password change failed: user %s has an unreadable password hash",
                     job->user_id);
        return LK_PASSWORD_FAILED;
    }
    return check == LK_PASSWORD_MATCH ? LK_PASSWORD_CHANGED : LK_PASSWORD_WRONG_CURRENT;
}

/*
 * Publishes the revocation of the other sessions, so that verification reports their access
 * tokens inactive on every instance. A failure is logged; the session pruner publishes
 * recent revocations again.
 */
static void publish_revocations(lk_worker_t *worker, const lk_revoked_sessions_t *revoked)
{
    if (revoked->count == 0)
        return;
    redisContext *redis = lk_worker_redis(worker);
    int64_t ttl = lk_worker_config(worker)->access_token_ttl;
    if (redis == NULL ||
        lk_revocations_publish(redis, revoked->items, revoked->count, ttl, (int64_t)time(NULL),
                               true) != 0) {
        lk_log_warn("revocation publish failed for %zu session(s) after a password change; "
                    "the session pruner will publish them again",
                    revoked->count);
        lk_worker_redis_reset(worker);
    }
}

/* Hashes and stores the new password in place of `owner`'s current hash. */
static lk_password_change_outcome_t store_new(lk_password_change_job_t *job, lk_worker_t *worker,
                                              PGconn *connection, const lk_password_owner_t *owner)
{
    char hash[LK_PASSWORD_HASH_SIZE];
    lk_password_params_t params = lk_password_params_default();
    if (lk_password_hash(&params, job->new_password, strlen(job->new_password), hash) != 0) {
        lk_log_error("password change failed: user %s: hashing failed (out of memory)",
                     job->user_id);
        return LK_PASSWORD_FAILED;
    }

    lk_revoked_sessions_t revoked;
    lk_store_result_t result = lk_store_password_change(connection, job->user_id,
                                                        owner->password_hash, hash,
                                                        job->session_id, job->user_id, &revoked);
    sodium_memzero(hash, sizeof(hash));
    if (result == LK_STORE_NOT_FOUND)
        return LK_PASSWORD_CHANGED_CONCURRENTLY;
    if (result != LK_STORE_OK)
        return outcome_of_failure(result);

    lk_log_info("password changed: user %s; %zu other session(s) ended", job->user_id,
                revoked.count);
    publish_revocations(worker, &revoked);
    lk_revoked_sessions_dispose(&revoked);
    return LK_PASSWORD_CHANGED;
}

void lk_password_change_job_run(lk_job_t *base, lk_worker_t *worker)
{
    lk_password_change_job_t *job = (lk_password_change_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->outcome = LK_PASSWORD_UNAVAILABLE;
        return;
    }

    lk_password_owner_t owner;
    lk_store_result_t found = lk_store_password_owner_find(connection, job->user_id,
                                                           job->session_id, &owner);
    if (found == LK_STORE_NOT_FOUND)
        job->outcome = LK_PASSWORD_SESSION_ENDED;
    else if (found != LK_STORE_OK)
        job->outcome = outcome_of_failure(found);
    else
        job->outcome = check_current(job, &owner);

    if (job->outcome == LK_PASSWORD_WRONG_CURRENT)
        lk_log_info("password change failed: user %s: wrong current password", job->user_id);
    if (job->outcome == LK_PASSWORD_CHANGED) {
        lk_limits_record_success(job->base.limits, worker, &job->base.limit_query);
        job->outcome = store_new(job, worker, connection, &owner);
    }
    if (job->outcome == LK_PASSWORD_UNAVAILABLE)
        lk_worker_database_reset(worker);
    sodium_memzero(&owner, sizeof(owner));
}
