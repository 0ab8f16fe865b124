/*
 * POST /v1/password-reset: {"email"} in, 202 out, always with the same body. The rate-limit
 * check (per address and per email) runs on a worker. Once it admits the request, 202 is
 * sent, and the account lookup, token and reset message follow in the background (see
 * password_reset_job.h). So neither the response nor its timing depends on whether the
 * account exists. While LATCHKEY_RESET_URL_BASE is unset, the endpoint returns 404.
 */
#include "http/handlers/handlers.h"

#include "http/handlers/password_reset_job.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "store/users.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct reset_request_job {
    lk_request_job_t base;
    lk_app_t *app;
    char email[LK_EMAIL_MAX_LENGTH + 1];
    char request_id[LK_REQUEST_ID_MAX_LENGTH + 1];
} reset_request_job_t;

static const lk_field_rule_t reset_fields[] = {
    {.name = "email", .type = LK_FIELD_STRING, .required = true, .min_length = 3,
     .max_length = LK_EMAIL_MAX_LENGTH, .format = LK_FORMAT_EMAIL},
};

/* The rate-limit check is the job's only work on the worker; see lk_request_submit. */
static void run_nothing(lk_job_t *job, lk_worker_t *worker)
{
    (void)job;
    (void)worker;
}

static void finish_reset_request(lk_job_t *base)
{
    reset_request_job_t *job = (reset_request_job_t *)base;
    bool admitted = job->base.limit.outcome == LK_LIMIT_ADMITTED;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL)
        lk_respond_json(request, 202, json_pack("{s:s}", "status", "accepted"));

    /* An admitted request is carried out even when its client has gone away. */
    if (admitted && lk_password_reset_job_start(job->app, job->base.job.reply_to, job->email,
                                                job->request_id) != 0)
        lk_log_warn("password reset dropped: request %s", job->request_id);
    sodium_memzero(job->email, sizeof(job->email));
    free(job);
}

static void respond_disabled(lk_request_t *request)
{
    lk_respond_problem(request, 404, "not-found", "Not found",
                       "Password reset is not enabled on this server.");
}

void lk_handle_password_reset(lk_request_t *request)
{
    if (request->app->config->reset_url_base == NULL) {
        respond_disabled(request);
        return;
    }
    json_t *input = lk_parse_body_or_respond(request, reset_fields,
                                             sizeof(reset_fields) / sizeof(reset_fields[0]),
                                             false);
    if (input == NULL)
        return;

    reset_request_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        json_decref(input);
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    job->app = request->app;
    snprintf(job->email, sizeof(job->email), "%s", lk_request_string(input, "email"));
    snprintf(job->request_id, sizeof(job->request_id), "%s", request->request_id);
    json_decref(input);

    /* The per-email limit counts the normalized address, whether or not an account has it. */
    char account[LK_EMAIL_MAX_LENGTH + 1];
    lk_email_normalize(job->email, account, sizeof(account));
    lk_request_set_limit_subject(request, account);

    if (lk_request_submit(request, &job->base, run_nothing, finish_reset_request) != 0) {
        free(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
