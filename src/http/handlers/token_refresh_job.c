/* The worker half of POST /v1/token/refresh; see token_refresh_job.h. */
#include "http/handlers/token_refresh_job.h"

#include "core/log.h"
#include "sessions/refresh_verdict.h"
#include "sessions/session_end.h"
#include "sessions/successor_seal.h"
#include "tokens/access_token.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

lk_refresh_job_t *lk_refresh_job_create(const char *refresh_token, lk_keyring_t *ring,
                                        const char *client_ip)
{
    lk_refresh_job_t *job = calloc(1, sizeof *job);
    if (job == NULL) {
        lk_keyring_release(ring);
        return NULL;
    }
    job->ring = ring;
    snprintf(job->presented, sizeof job->presented, "%s", refresh_token);
    snprintf(job->client_ip, sizeof job->client_ip, "%s", client_ip);
    return job;
}

void lk_refresh_job_destroy(lk_refresh_job_t *job)
{
    if (job == NULL)
        return;
    if (job->access_token != NULL) {
        sodium_memzero(job->access_token, strlen(job->access_token));
        free(job->access_token);
    }
    sodium_memzero(job->presented, sizeof job->presented);
    sodium_memzero(job->refresh_token, sizeof job->refresh_token);
    lk_keyring_release(job->ring);
    free(job);
}

static lk_refresh_outcome_t outcome_of_store_failure(lk_store_result_t result)
{
    return result == LK_STORE_UNAVAILABLE ? LK_REFRESH_UNAVAILABLE : LK_REFRESH_FAILED;
}

/*
 * Tries the rotation: a new successor, sealed for the holder of the presented token,
 * replaces the presented token if it is still unused. Returns the store's result;
 * LK_STORE_NOT_FOUND means the token could not be rotated.
 */
static lk_store_result_t rotate(lk_refresh_job_t *job, PGconn *connection,
                                const lk_config_t *config, const char *token_hash)
{
    char successor_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];

    if (lk_opaque_token_generate(job->refresh_token) != 0 ||
        lk_successor_seal(job->presented, LK_OPAQUE_TOKEN_LENGTH, token_hash, job->refresh_token,
                          sealed) != 0)
        return LK_STORE_ERROR;
    lk_opaque_token_hash_hex(job->refresh_token, LK_OPAQUE_TOKEN_LENGTH, successor_hash);

    lk_refresh_rotation_t rotation = {
        .token_hash = token_hash,
        .successor_hash = successor_hash,
        .successor_sealed = sealed,
        .idle_timeout_seconds = config->refresh_idle_timeout,
    };
    lk_store_result_t result = lk_store_refresh_token_rotate(connection, &rotation,
                                                             &job->session);
    if (result != LK_STORE_OK)
        sodium_memzero(job->refresh_token, sizeof job->refresh_token);
    return result;
}

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

/* Finds out why the token could not be rotated and acts on it. */
static lk_refresh_outcome_t recover(lk_refresh_job_t *job, lk_worker_t *worker,
                                    PGconn *connection, const char *token_hash)
{
    lk_refresh_token_state_t state;
    lk_store_result_t found = lk_store_refresh_token_find(
        connection, token_hash, lk_worker_config(worker)->refresh_grace_period, &state);
    if (found == LK_STORE_NOT_FOUND) {
        job->detail = "unknown";
        return LK_REFRESH_REJECTED;
    }
    if (found != LK_STORE_OK)
        return outcome_of_store_failure(found);

    lk_refresh_verdict_t verdict = lk_refresh_verdict(&state);
    job->detail = lk_refresh_verdict_name(verdict);
    memcpy(job->session.user_id, state.session.user_id, sizeof job->session.user_id);
    memcpy(job->session.session_id, state.session.session_id, sizeof job->session.session_id);

    lk_refresh_outcome_t outcome = LK_REFRESH_REJECTED;
    if (verdict == LK_REFRESH_VERDICT_RETRY)
        outcome = return_successor(job, &state, token_hash);
    else if (verdict == LK_REFRESH_VERDICT_REUSE || verdict == LK_REFRESH_VERDICT_USER_DISABLED)
        end_session(job, worker, &state, verdict);

    sodium_memzero(state.successor_sealed, sizeof state.successor_sealed);
    return outcome;
}

static int sign_access_token(lk_refresh_job_t *job, const lk_signing_key_t *key,
                             const lk_config_t *config)
{
    int64_t now = (int64_t)time(NULL);

    /* NOTE: sessions scoped to an organisation are not created yet, so the token carries
     * no org_id or role claim even when the session row has an org_id. */
    lk_access_claims_t claims = {
        .issuer = config->issuer,
        .audience = config->audience,
        .subject = job->session.user_id,
        .client_id = job->session.client_id,
        .session_id = job->session.session_id,
        .issued_at = now,
        .expires_at = now + config->access_token_ttl,
    };
    job->expires_in = config->access_token_ttl;
    return lk_access_token_sign(key, &claims, &job->access_token);
}

/* Rotates or recovers; sets job->outcome. */
static void refresh(lk_refresh_job_t *job, lk_worker_t *worker, PGconn *connection)
{
    char token_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    lk_opaque_token_hash_hex(job->presented, LK_OPAQUE_TOKEN_LENGTH, token_hash);

    lk_store_result_t rotated = rotate(job, connection, lk_worker_config(worker), token_hash);
    if (rotated == LK_STORE_OK) {
        job->detail = "rotated";
        job->outcome = LK_REFRESH_ISSUED;
    } else if (rotated == LK_STORE_NOT_FOUND) {
        job->outcome = recover(job, worker, connection, token_hash);
    } else {
        job->outcome = outcome_of_store_failure(rotated);
    }

    if (job->outcome == LK_REFRESH_UNAVAILABLE)
        lk_worker_database_reset(worker);
}

void lk_refresh_job_run(lk_job_t *base, lk_worker_t *worker)
{
    lk_refresh_job_t *job = (lk_refresh_job_t *)base;
    const lk_config_t *config = lk_worker_config(worker);

    /* Checked first, so that a token is not rotated for a response that cannot be signed. */
    const lk_signing_key_t *key = lk_keyring_active(job->ring);
    if (key == NULL) {
        job->outcome = LK_REFRESH_NO_ACTIVE_KEY;
        return;
    }

    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->outcome = LK_REFRESH_UNAVAILABLE;
        return;
    }

    refresh(job, worker, connection);
    if (job->outcome == LK_REFRESH_ISSUED && sign_access_token(job, key, config) != 0) {
        lk_log_error("refresh failed: signing with key %s failed", key->kid);
        job->outcome = LK_REFRESH_FAILED;
    }
}
