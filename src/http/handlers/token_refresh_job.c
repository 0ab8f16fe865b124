/* The worker half of POST /v1/token/refresh; see token_refresh_job.h. */
#include "http/handlers/token_refresh_job.h"

#include "core/log.h"
#include "http/handlers/token_refresh_steps.h"
#include "sessions/refresh_scope.h"
#include "sessions/refresh_verdict.h"
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

/*
 * Tries the rotation: a new successor, sealed for the holder of the presented token,
 * replaces the presented token if it is still unused, and the session moves to the
 * requested organisation, if any. Returns the store's result; LK_STORE_NOT_FOUND means the
 * token could not be rotated.
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
        .org_id = job->org_id[0] != '\0' ? job->org_id : NULL,
    };
    lk_store_result_t result = lk_store_refresh_token_rotate(connection, &rotation,
                                                             &job->session);
    if (result != LK_STORE_OK)
        sodium_memzero(job->refresh_token, sizeof job->refresh_token);
    return result;
}

lk_refresh_outcome_t lk_refresh_job_resolve_scope(lk_refresh_job_t *job, PGconn *connection,
                                                  const lk_refresh_session_t *session)
{
    const char *org_id = lk_refresh_scope_target(job->org_id, session->org_id);
    lk_store_result_t result = lk_org_scope_resolve(connection, org_id, session->user_id,
                                                    &job->scope);
    if (result == LK_STORE_OK)
        return LK_REFRESH_ISSUED;
    if (result != LK_STORE_NOT_FOUND)
        return lk_refresh_outcome_of_store_failure(result);

    job->detail = job->org_id[0] != '\0' ? "not_member" : "no_longer_member";
    lk_log_info("refresh rejected: session %s: user %s is not a member of organisation %s",
                session->session_id, session->user_id, org_id);
    return LK_REFRESH_NOT_MEMBER;
}

/*
 * Reads the state of a token that was found unused and valid but could not be rotated,
 * because a concurrent request rotated it or it expired in between, and acts on it.
 */
static lk_refresh_outcome_t recover_after_lost_race(lk_refresh_job_t *job, lk_worker_t *worker,
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
        return lk_refresh_outcome_of_store_failure(found);

    lk_refresh_outcome_t outcome = lk_refresh_job_recover(job, worker, connection, &state,
                                                          token_hash);
    sodium_memzero(state.successor_sealed, sizeof state.successor_sealed);
    return outcome;
}

/*
 * Rotates a token that was found unused and valid, after checking that the user is a
 * member of the organisation the new access token is scoped to. The check comes first so
 * that a refused organisation leaves the token unused. When another request rotated the
 * token in between, this becomes a retry or reuse like any token found used.
 */
static lk_refresh_outcome_t rotate_checked(lk_refresh_job_t *job, lk_worker_t *worker,
                                           PGconn *connection,
                                           const lk_refresh_token_state_t *state,
                                           const char *token_hash)
{
    memcpy(job->session.user_id, state->session.user_id, sizeof job->session.user_id);
    memcpy(job->session.session_id, state->session.session_id, sizeof job->session.session_id);
    lk_refresh_outcome_t scoped = lk_refresh_job_resolve_scope(job, connection, &state->session);
    if (scoped != LK_REFRESH_ISSUED)
        return scoped;

    const lk_config_t *config = lk_worker_config(worker);
    lk_store_result_t rotated = rotate(job, connection, config, token_hash);
    if (rotated == LK_STORE_OK) {
        job->detail = "rotated";
        return LK_REFRESH_ISSUED;
    }
    if (rotated == LK_STORE_NOT_FOUND)
        return recover_after_lost_race(job, worker, connection, token_hash);
    return lk_refresh_outcome_of_store_failure(rotated);
}

static int sign_access_token(lk_refresh_job_t *job, const lk_signing_key_t *key,
                             const lk_config_t *config)
{
    int64_t now = (int64_t)time(NULL);
    lk_access_claims_t claims = {
        .issuer = config->issuer,
        .audience = config->audience,
        .subject = job->session.user_id,
        .client_id = job->session.client_id,
        .session_id = job->session.session_id,
        .issued_at = now,
        .expires_at = now + config->access_token_ttl,
    };
    lk_org_scope_apply(&job->scope, &claims);
    job->expires_in = config->access_token_ttl;
    return lk_access_token_sign(key, &claims, &job->access_token);
}

/*
 * Reads the token's state, then rotates a token that is unused and valid, or acts on one
 * that is not (lk_refresh_job_recover). Sets job->outcome.
 */
static void refresh(lk_refresh_job_t *job, lk_worker_t *worker, PGconn *connection)
{
    char token_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    lk_opaque_token_hash_hex(job->presented, LK_OPAQUE_TOKEN_LENGTH, token_hash);

    lk_refresh_token_state_t state;
    lk_store_result_t found = lk_store_refresh_token_find(
        connection, token_hash, lk_worker_config(worker)->refresh_grace_period, &state);
    if (found == LK_STORE_NOT_FOUND) {
        job->detail = "unknown";
        job->outcome = LK_REFRESH_REJECTED;
    } else if (found != LK_STORE_OK) {
        job->outcome = lk_refresh_outcome_of_store_failure(found);
    } else if (lk_refresh_verdict(&state) == LK_REFRESH_VERDICT_NOT_ROTATED) {
        job->outcome = rotate_checked(job, worker, connection, &state, token_hash);
    } else {
        job->outcome = lk_refresh_job_recover(job, worker, connection, &state, token_hash);
    }
    sodium_memzero(state.successor_sealed, sizeof state.successor_sealed);

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
