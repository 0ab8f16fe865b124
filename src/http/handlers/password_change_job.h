/*
 * The worker half of POST /v1/password: check that the token's session is still open, check
 * the current password with Argon2id, then store the new one, which revokes the user's reset
 * tokens and every other session. Secrets in the job are wiped when it is destroyed.
 */
#ifndef LK_HTTP_HANDLERS_PASSWORD_CHANGE_JOB_H
#define LK_HTTP_HANDLERS_PASSWORD_CHANGE_JOB_H

#include "http/request.h"

typedef enum lk_password_change_outcome {
    LK_PASSWORD_CHANGED = 0,
    LK_PASSWORD_SESSION_ENDED, /* the user is gone or disabled, or the session has ended */
    LK_PASSWORD_WRONG_CURRENT,
    LK_PASSWORD_CHANGED_CONCURRENTLY,
    LK_PASSWORD_UNAVAILABLE,
    LK_PASSWORD_FAILED,
} lk_password_change_outcome_t;

typedef struct lk_password_change_job {
    lk_request_job_t base;
    /* input */
    char user_id[37];
    char session_id[37];
    char *current_password; /* sodium_malloc'ed, wiped on destroy */
    char *new_password;     /* sodium_malloc'ed, wiped on destroy */
    /* output */
    lk_password_change_outcome_t outcome;
} lk_password_change_job_t;

/* Creates a job with copies of the ids and passwords. NULL when out of memory. */
lk_password_change_job_t *lk_password_change_job_create(const char *user_id,
                                                        const char *session_id,
                                                        const char *current_password,
                                                        const char *new_password);

/* Runs on a worker thread; sets `outcome`. */
void lk_password_change_job_run(lk_job_t *job, lk_worker_t *worker);

/* Wipes the passwords and frees the job. Accepts NULL. */
void lk_password_change_job_destroy(lk_password_change_job_t *job);

#endif
