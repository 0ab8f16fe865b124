/*
 * The worker half of POST /v1/password-reset/confirm: check the reset token, hash the new
 * password with Argon2id, then use the token, set the password and end every session of
 * the user in one transaction. Secrets in the job are wiped when it is destroyed.
 */
#ifndef LK_HTTP_HANDLERS_PASSWORD_RESET_CONFIRM_JOB_H
#define LK_HTTP_HANDLERS_PASSWORD_RESET_CONFIRM_JOB_H

#include "crypto/opaque_token.h"
#include "http/request.h"

typedef enum lk_reset_confirm_outcome {
    LK_RESET_CONFIRMED = 0,
    LK_RESET_INVALID_TOKEN, /* unknown, used, replaced, expired, or its user is disabled */
    LK_RESET_UNAVAILABLE,
    LK_RESET_FAILED,
} lk_reset_confirm_outcome_t;

typedef struct lk_reset_confirm_job {
    lk_request_job_t base;
    /* input */
    char token_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    char *password; /* sodium_malloc'ed, wiped on destroy */
    size_t password_length;
    char request_id[LK_REQUEST_ID_MAX_LENGTH + 1];
    /* output */
    lk_reset_confirm_outcome_t outcome;
    char user_id[37];
} lk_reset_confirm_job_t;

/* Creates a job with the token's hash and a copy of the new password. NULL when out of memory. */
lk_reset_confirm_job_t *lk_reset_confirm_job_create(const char *token, const char *password,
                                                    const char *request_id);

/* Runs on a worker thread; sets `outcome`. */
void lk_reset_confirm_job_run(lk_job_t *job, lk_worker_t *worker);

/* Wipes the password and frees the job. Accepts NULL. */
void lk_reset_confirm_job_destroy(lk_reset_confirm_job_t *job);

#endif
