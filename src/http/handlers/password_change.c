/*
 * POST /v1/password with a Bearer access token: {"current_password","new_password"} in, 204
 * out. The token, the body and the password policy are checked on the event loop. The
 * current password is checked on a worker (see password_change_job.c) under the same rate
 * limits as login, counted per user. A successful change ends the user's other sessions and
 * outstanding reset tokens; the session of the token used here stays open.
 */
#include "http/handlers/handlers.h"

#include "http/bearer.h"
#include "http/handlers/new_password.h"
#include "http/handlers/password_change_job.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "passwords/password_policy.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const lk_field_rule_t change_fields[] = {
    {.name = "current_password", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_PASSWORD_MAX_CHARACTERS},
    {.name = "new_password", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_PASSWORD_MAX_CHARACTERS},
};

static void respond_session_ended(lk_request_t *request)
{
    lk_response_header(request, "www-authenticate",
                       "Bearer realm=\"latchkey\", error=\"invalid_token\", "
                       "error_description=\"The session of this access token has ended\"");
    lk_respond_problem(request, 401, "invalid-token", "Invalid token",
                       "The session of this access token has ended. Log in again.");
}

static void respond_outcome(lk_request_t *request, lk_password_change_outcome_t outcome)
{
    switch (outcome) {
    case LK_PASSWORD_CHANGED:
        lk_respond_empty(request, 204);
        break;
    case LK_PASSWORD_SESSION_ENDED:
        respond_session_ended(request);
        break;
    case LK_PASSWORD_WRONG_CURRENT:
        lk_respond_problem(request, 403, "invalid-credentials", "Invalid credentials",
                           "The current password is incorrect.");
        break;
    case LK_PASSWORD_CHANGED_CONCURRENTLY:
        lk_respond_problem(request, 409, "conflict", "Conflict",
                           "The password was changed by another request at the same time. "
                           "Log in with the new password.");
        break;
    case LK_PASSWORD_UNAVAILABLE:
        lk_respond_unavailable(request, "database unavailable");
        break;
    case LK_PASSWORD_FAILED:
        lk_respond_internal_error(request, "password change failed on the worker; see the log "
                                           "line before this one");
        break;
    }
}

static void finish_change(lk_job_t *base)
{
    lk_password_change_job_t *job = (lk_password_change_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);
    if (request != NULL)
        respond_outcome(request, job->outcome);
    lk_password_change_job_destroy(job);
}

/* Returns 0 when the new password may replace the current one, else -1 after a 400. */
static int check_passwords_or_respond(lk_request_t *request, const char *current,
                                      const char *replacement)
{
    if (lk_check_new_password_or_respond(request, "new_password", replacement) != 0)
        return -1;

    size_t length = strlen(current);
    if (length == strlen(replacement) && sodium_memcmp(current, replacement, length) == 0) {
        lk_validation_result_t result = {.status = 400, .error_count = 1};
        snprintf(result.detail, sizeof(result.detail), "The request body has 1 invalid field.");
        snprintf(result.errors[0].field, sizeof(result.errors[0].field), "new_password");
        snprintf(result.errors[0].message, sizeof(result.errors[0].message),
                 "must differ from the current password");
        lk_respond_invalid_request(request, &result);
        return -1;
    }
    return 0;
}

/* Validates the body and creates the job. Returns NULL after having sent the error. */
static lk_password_change_job_t *create_job_or_respond(lk_request_t *request,
                                                       const json_t *claims)
{
    json_t *input = lk_parse_body_or_respond(
        request, change_fields, sizeof(change_fields) / sizeof(change_fields[0]), false);
    if (input == NULL)
        return NULL;

    const char *current = lk_request_string(input, "current_password");
    const char *replacement = lk_request_string(input, "new_password");
    lk_password_change_job_t *job = NULL;
    if (check_passwords_or_respond(request, current, replacement) == 0) {
        job = lk_password_change_job_create(lk_claim_string(claims, "sub"),
                                            lk_claim_string(claims, "sid"), current, replacement);
        if (job == NULL)
            lk_respond_internal_error(request, "out of memory");
    }
    json_object_clear(input); /* drops jansson's copies of the passwords at once */
    json_decref(input);
    return job;
}

void lk_handle_password_change(lk_request_t *request)
{
    json_t *claims = NULL;
    if (lk_authenticate_bearer_or_respond(request, &claims) != 0)
        return;

    lk_password_change_job_t *job = create_job_or_respond(request, claims);
    json_decref(claims);
    if (job == NULL)
        return;

    /* The login limits apply, counted per user rather than per email. */
    lk_request_set_limit_subject(request, job->user_id);
    if (lk_request_submit(request, &job->base, lk_password_change_job_run, finish_change) != 0) {
        lk_password_change_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
