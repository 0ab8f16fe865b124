/* The worker half of POST /v1/login; see login_job.h. */
#include "http/handlers/login_job.h"

#include "core/log.h"
#include "passwords/password_hash.h"
#include "store/sessions.h"
#include "store/users.h"
#include "tokens/access_token.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

lk_login_job_t *lk_login_job_create(const char *email, const char *password,
                                    lk_keyring_t *ring)
{
    lk_login_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        lk_keyring_release(ring);
        return NULL;
    }
    job->ring = ring;
    snprintf(job->email, sizeof(job->email), "%s", email);

    job->password_length = strlen(password);
    job->password = sodium_malloc(job->password_length + 1);
    if (job->password == NULL) {
        lk_login_job_destroy(job);
        return NULL;
    }
    memcpy(job->password, password, job->password_length + 1);
    return job;
}

void lk_login_job_destroy(lk_login_job_t *job)
{
    if (job == NULL)
        return;
    sodium_free(job->password);
    if (job->access_token != NULL) {
        sodium_memzero(job->access_token, strlen(job->access_token));
        free(job->access_token);
    }
    sodium_memzero(job->refresh_token, sizeof(job->refresh_token));
    lk_keyring_release(job->ring);
    free(job);
}

/*
 * Checks the password of `user`, or of a dummy hash when `user` is NULL or disabled, so
 * that unknown, disabled and known accounts take the same time. Returns true on a match
 * with an enabled user.
 */
static bool check_password(lk_login_job_t *job, const lk_user_record_t *user,
                           const lk_password_params_t *params)
{
    const char *hash = user != NULL ? user->password_hash : lk_password_dummy_hash(params);
    if (hash == NULL)
        return false;

    lk_password_check_t check = lk_password_verify(hash, job->password, job->password_length);
    if (check == LK_PASSWORD_CHECK_ERROR && user != NULL)
        lk_log_error("login failed: user %s has an unreadable password hash", user->id);
    return user != NULL && !user->disabled && check == LK_PASSWORD_MATCH;
}

/* Replaces a hash made with outdated parameters; a failure only costs the upgrade. */
static void rehash_if_outdated(lk_login_job_t *job, PGconn *connection,
                               const lk_user_record_t *user, const lk_password_params_t *params)
{
    if (!lk_password_needs_rehash(params, user->password_hash))
        return;

    char new_hash[LK_PASSWORD_HASH_SIZE];
    if (lk_password_hash(params, job->password, job->password_length, new_hash) != 0)
        return;
    lk_store_result_t result = lk_store_user_replace_password_hash(
        connection, user->id, user->password_hash, new_hash);
    if (result == LK_STORE_OK)
        lk_log_info("password rehashed: user %s now uses the current Argon2id parameters",
                    user->id);
}

/* Creates the session with its first refresh token. Returns the store's result. */
static lk_store_result_t open_session(lk_login_job_t *job, PGconn *connection,
                                      const lk_config_t *config, char session_id[37])
{
    if (lk_opaque_token_generate(job->refresh_token) != 0)
        return LK_STORE_ERROR;

    char refresh_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    lk_opaque_token_hash_hex(job->refresh_token, LK_OPAQUE_TOKEN_LENGTH, refresh_hash);

    lk_session_request_t session_request = {
        .user_id = job->user_id,
        .client_id = LK_LOGIN_CLIENT_ID,
        .org_id = lk_org_scope_org_id(&job->scope),
        .refresh_token_hash_hex = refresh_hash,
        .absolute_ttl_seconds = config->refresh_token_ttl,
        .idle_timeout_seconds = config->refresh_idle_timeout,
    };
    lk_session_record_t session;
    lk_store_result_t result = lk_store_session_create(connection, &session_request, &session);
    if (result == LK_STORE_OK) {
        memcpy(session_id, session.session_id, sizeof(session.session_id));
        job->refresh_expires_in = session.refresh_expires_in;
    }
    return result;
}

static int sign_access_token(lk_login_job_t *job, const lk_signing_key_t *key,
                             const lk_config_t *config, const char *session_id)
{
    int64_t now = (int64_t)time(NULL);
    lk_access_claims_t claims = {
        .issuer = config->issuer,
        .audience = config->audience,
        .subject = job->user_id,
        .client_id = LK_LOGIN_CLIENT_ID,
        .session_id = session_id,
        .issued_at = now,
        .expires_at = now + config->access_token_ttl,
    };
    lk_org_scope_apply(&job->scope, &claims);
    job->expires_in = config->access_token_ttl;
    return lk_access_token_sign(key, &claims, &job->access_token);
}

static lk_login_outcome_t outcome_of_store_failure(lk_store_result_t result)
{
    return result == LK_STORE_UNAVAILABLE ? LK_LOGIN_UNAVAILABLE : LK_LOGIN_FAILED;
}

/* Finds the user and checks the password; fills job->user_id on success. */
static lk_login_outcome_t authenticate(lk_login_job_t *job, PGconn *connection,
                                       const lk_password_params_t *params)
{
    lk_user_record_t user;
    lk_store_result_t found = lk_store_user_find_by_email(connection, job->email, &user);
    if (found != LK_STORE_OK && found != LK_STORE_NOT_FOUND)
        return outcome_of_store_failure(found);

    const lk_user_record_t *candidate = found == LK_STORE_OK ? &user : NULL;
    bool matched = check_password(job, candidate, params);
    lk_login_outcome_t outcome = LK_LOGIN_INVALID_CREDENTIALS;

    if (matched) {
        memcpy(job->user_id, user.id, sizeof(job->user_id));
        rehash_if_outdated(job, connection, &user, params);
        outcome = LK_LOGIN_SUCCEEDED;
    } else if (candidate == NULL) {
        lk_log_info("login failed: no enabled account for the given email");
    } else {
        memcpy(job->user_id, user.id, sizeof(job->user_id));
        lk_log_info("login failed: user %s: %s", user.id,
                    user.disabled ? "account disabled" : "wrong password");
    }
    sodium_memzero(&user, sizeof(user));
    return outcome;
}

void lk_login_job_run(lk_job_t *base, lk_worker_t *worker)
{
    lk_login_job_t *job = (lk_login_job_t *)base;
    const lk_config_t *config = lk_worker_config(worker);
    lk_password_params_t params = lk_password_params_default();

    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->outcome = LK_LOGIN_UNAVAILABLE;
        return;
    }

    job->outcome = authenticate(job, connection, &params);
    if (job->outcome != LK_LOGIN_SUCCEEDED) {
        if (job->outcome == LK_LOGIN_UNAVAILABLE)
            lk_worker_database_reset(worker);
        return;
    }
    lk_limits_record_success(job->base.limits, worker, &job->base.limit_query);

    lk_store_result_t scoped = lk_org_scope_resolve(connection, job->org_id, job->user_id,
                                                    &job->scope);
    if (scoped != LK_STORE_OK) {
        job->outcome = scoped == LK_STORE_NOT_FOUND ? LK_LOGIN_NOT_MEMBER
                                                    : outcome_of_store_failure(scoped);
        if (scoped == LK_STORE_NOT_FOUND)
            lk_log_info("login failed: user %s is not a member of organisation %s", job->user_id,
                        job->org_id);
        if (scoped == LK_STORE_UNAVAILABLE)
            lk_worker_database_reset(worker);
        return;
    }

    const lk_signing_key_t *key = lk_keyring_active(job->ring);
    if (key == NULL) {
        job->outcome = LK_LOGIN_NO_ACTIVE_KEY;
        return;
    }

    char session_id[37];
    lk_store_result_t opened = open_session(job, connection, config, session_id);
    if (opened != LK_STORE_OK) {
        job->outcome = outcome_of_store_failure(opened);
        if (opened == LK_STORE_UNAVAILABLE)
            lk_worker_database_reset(worker);
        return;
    }

    if (sign_access_token(job, key, config, session_id) != 0) {
        lk_log_error("login failed: signing with key %s failed", key->kid);
        job->outcome = LK_LOGIN_FAILED;
    }
}
