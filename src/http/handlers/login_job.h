/*
 * The worker half of a login. It looks up the user and checks the password with Argon2id,
 * against a dummy hash when the user does not exist or is disabled, so that every failure
 * costs the same. It then rehashes an outdated hash, opens a session with a new refresh
 * token and signs the access token. Everything secret in the job is wiped on destroy.
 */
#ifndef LK_HTTP_HANDLERS_LOGIN_JOB_H
#define LK_HTTP_HANDLERS_LOGIN_JOB_H

#include "access/org_scope.h"
#include "crypto/opaque_token.h"
#include "http/request.h"
#include "keys/keyring.h"

#include <stdint.h>

/* The client_id claim of tokens issued by /v1/login to first-party apps. */
#define LK_LOGIN_CLIENT_ID "first-party"

typedef enum lk_login_outcome {
    LK_LOGIN_SUCCEEDED = 0,
    LK_LOGIN_INVALID_CREDENTIALS,
    LK_LOGIN_NOT_MEMBER, /* right password, but not a member of the requested organisation */
    LK_LOGIN_NO_ACTIVE_KEY,
    LK_LOGIN_UNAVAILABLE,
    LK_LOGIN_FAILED,
} lk_login_outcome_t;

typedef struct lk_login_job {
    lk_request_job_t base;
    /* input */
    char email[256];
    char *password; /* sodium_malloc'ed, wiped on destroy */
    size_t password_length;
    lk_keyring_t *ring;
    char org_id[37]; /* the organisation to scope the token to, or "" */
    /* output */
    lk_login_outcome_t outcome;
    char user_id[37];
    lk_org_scope_t scope;
    char *access_token;
    char refresh_token[LK_OPAQUE_TOKEN_LENGTH + 1];
    int64_t expires_in;
    int64_t refresh_expires_in;
} lk_login_job_t;

/* Creates a job holding copies of the credentials and the ring reference (taken over). */
lk_login_job_t *lk_login_job_create(const char *email, const char *password,
                                    lk_keyring_t *ring);

/* Runs on a worker thread; sets `outcome` and, on success, the tokens. */
void lk_login_job_run(lk_job_t *job, lk_worker_t *worker);

/* Wipes the secrets, releases the ring and frees the job. Accepts NULL. */
void lk_login_job_destroy(lk_login_job_t *job);

#endif
