/*
 * The background half of POST /v1/password-reset: after the response has gone out, a
 * worker looks up the account and, for an enabled one, stores a new reset token and queues
 * the reset message. Doing this after the response makes the response identical in
 * content and timing whether or not the account exists.
 */
#ifndef LK_HTTP_HANDLERS_PASSWORD_RESET_JOB_H
#define LK_HTTP_HANDLERS_PASSWORD_RESET_JOB_H

#include "http/request.h"
#include "store/users.h"

/*
 * Queues the background job for `email`. The job counts as a request in flight (see
 * lk_app_t), so a shutdown drains it. Returns 0, or -1 when the queue is full (then it has
 * logged that the reset was dropped).
 */
__attribute__((warn_unused_result)) int lk_password_reset_job_start(
    lk_app_t *app, h2o_multithread_receiver_t *reply_to, const char *email,
    const char *request_id);

#endif
