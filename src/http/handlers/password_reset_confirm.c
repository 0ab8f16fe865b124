/*
 * POST /v1/password-reset/confirm: {"token","new_password"} in, 204 out. The token's shape
 * and the password policy are checked on the event loop; the rest runs on a worker (see
 * password_reset_confirm_job.c). Every way a token can be wrong (unknown, used, replaced by
 * a newer request, expired, or its user disabled) gets the same 400.
 */
#include "http/handlers/handlers.h"

#include "http/handlers/new_password.h"
#include "http/handlers/password_reset_confirm_job.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "passwords/password_policy.h"

#include <stdio.h>
#include <string.h>

/* Reset tokens are 43 characters; a little more is accepted so that the shape check, not
 * the length rule, reports a wrong token. */
#define TOKEN_MAX_CHARACTERS 128

static const lk_field_rule_t confirm_fields[] = {
    {.name = "token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = TOKEN_MAX_CHARACTERS},
    {.name = "new_password", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_PASSWORD_MAX_CHARACTERS},
};

static void respond_invalid_token(lk_request_t *request)
{
    lk_respond_problem(request, 400, "invalid-reset-token", "Invalid reset token",
                       "The reset token is invalid, expired or already used. Request a new "
                       "password reset.");
}

static void finish_confirm(lk_job_t *base)
{
    lk_reset_confirm_job_t *job = (lk_reset_confirm_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL) {
        snprintf(request->user_id, sizeof(request->user_id), "%s", job->user_id);
        switch (job->outcome) {
        case LK_RESET_CONFIRMED:
            lk_respond_empty(request, 204);
            break;
        case LK_RESET_INVALID_TOKEN:
            respond_invalid_token(request);
            break;
        case LK_RESET_UNAVAILABLE:
            lk_respond_unavailable(request, "database unavailable");
            break;
        case LK_RESET_FAILED:
            lk_respond_internal_error(request, "password reset failed on the worker; see the "
                                               "log line before this one");
            break;
        }
    }
    lk_reset_confirm_job_destroy(job);
}

/* Checks the token's shape and the password policy. Returns the job, or NULL after having
 * sent the error. */
static lk_reset_confirm_job_t *create_job_or_respond(lk_request_t *request, const char *token,
                                                     const char *password)
{
    if (!lk_opaque_token_is_well_formed(token, strlen(token))) {
        respond_invalid_token(request);
        return NULL;
    }
    if (lk_check_new_password_or_respond(request, "new_password", password) != 0)
        return NULL;

    lk_reset_confirm_job_t *job = lk_reset_confirm_job_create(token, password,
                                                              request->request_id);
    if (job == NULL)
        lk_respond_internal_error(request, "out of memory");
    return job;
}

void lk_handle_password_reset_confirm(lk_request_t *request)
{
    json_t *input = lk_parse_body_or_respond(
        request, confirm_fields, sizeof(confirm_fields) / sizeof(confirm_fields[0]), false);
    if (input == NULL)
        return;

    lk_reset_confirm_job_t *job = create_job_or_respond(
        request, lk_request_string(input, "token"), lk_request_string(input, "new_password"));
    json_object_clear(input); /* drops jansson's copies of the token and password at once */
    json_decref(input);
    if (job == NULL)
        return;

    if (lk_request_submit(request, &job->base, lk_reset_confirm_job_run, finish_confirm) != 0) {
        lk_reset_confirm_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
