/*
 * POST /v1/token/refresh: a refresh token in, a new token response out, and the presented
 * token never works again. An optional org_id switches the session to that organisation.
 * The handler validates the body on the event loop; the membership check, rotation, reuse
 * detection and signing run on a worker (see token_refresh_job.c).
 */
#include "http/handlers/handlers.h"

#include "http/handlers/token_refresh_job.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "validate/uuid_text.h"

#include <stdio.h>
#include <string.h>

/* Longer values are rejected as invalid input rather than looked up. */
#define REFRESH_TOKEN_MAX_LENGTH 512

static const lk_field_rule_t refresh_fields[] = {
    {.name = "refresh_token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = REFRESH_TOKEN_MAX_LENGTH},
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
};

/* Sends the token response, marked uncacheable. */
static void respond_tokens(lk_request_t *request, const lk_refresh_job_t *job)
{
    json_t *body = json_object();
    if (body == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    json_object_set_new(body, "access_token", json_string(job->access_token));
    json_object_set_new(body, "token_type", json_string("Bearer"));
    json_object_set_new(body, "expires_in", json_integer(job->expires_in));
    json_object_set_new(body, "refresh_token", json_string(job->refresh_token));
    json_object_set_new(body, "refresh_token_expires_in",
                        json_integer(job->session.refresh_expires_in));

    lk_response_header(request, "pragma", "no-cache");
    lk_respond_json(request, 200, body);
}

/*
 * One response for every token that does not refresh (unknown, malformed, expired,
 * revoked, reused), so that it reveals nothing to a thief. The log line records which.
 */
static void respond_invalid_token(lk_request_t *request)
{
    lk_respond_problem(request, 401, "invalid-refresh-token", "Invalid refresh token",
                       "The refresh token is invalid, expired or revoked. Log in again.");
}

/*
 * The 403 of a user who is not a member of the organisation the token would be scoped to.
 * The refresh token was not used, so the detail names the client's next step.
 */
static void respond_not_member(lk_request_t *request, const lk_refresh_job_t *job)
{
    const char *detail =
        job->org_id[0] != '\0'
            ? "The user is not a member of the requested organisation. The refresh token "
              "was not used and still works."
            : "The user is no longer a member of the session's organisation. Refresh with "
              "another org_id, or log in again.";
    lk_respond_problem(request, 403, "not-a-member", "Not a member", detail);
}

static void finish_refresh(lk_job_t *base)
{
    lk_refresh_job_t *job = (lk_refresh_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL) {
        snprintf(request->user_id, sizeof request->user_id, "%s", job->session.user_id);
        snprintf(request->client_id, sizeof request->client_id, "%.64s", job->session.client_id);

        switch (job->outcome) {
        case LK_REFRESH_ISSUED:
            respond_tokens(request, job);
            break;
        case LK_REFRESH_REJECTED:
            lk_log_info("refresh rejected: request %s: session %s: %s", request->request_id,
                        job->session.session_id[0] != '\0' ? job->session.session_id : "none",
                        job->detail);
            respond_invalid_token(request);
            break;
        case LK_REFRESH_NOT_MEMBER:
            respond_not_member(request, job);
            break;
        case LK_REFRESH_NO_ACTIVE_KEY:
            lk_respond_unavailable(request, "no active signing key");
            break;
        case LK_REFRESH_UNAVAILABLE:
            lk_respond_unavailable(request, "database unavailable");
            break;
        case LK_REFRESH_FAILED:
            lk_respond_internal_error(request, "refresh failed on the worker; see the log line "
                                               "before this one");
            break;
        }
    }
    lk_refresh_job_destroy(job);
}

void lk_handle_token_refresh(lk_request_t *request)
{
    json_t *input = lk_parse_body_or_respond(request, refresh_fields,
                                             sizeof(refresh_fields) / sizeof(refresh_fields[0]),
                                             false);
    if (input == NULL)
        return;

    const char *token = lk_request_string(input, "refresh_token");
    if (!lk_opaque_token_is_well_formed(token, strlen(token))) {
        json_decref(input);
        lk_log_info("refresh rejected: request %s: malformed token", request->request_id);
        respond_invalid_token(request);
        return;
    }

    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);
    lk_refresh_job_t *job = lk_refresh_job_create(token, ring, request->client_ip);
    const char *org_id = lk_request_string(input, "org_id");
    if (job != NULL && org_id != NULL)
        lk_uuid_copy_lower(org_id, job->org_id);
    json_decref(input);
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }

    if (lk_request_submit(request, &job->base, lk_refresh_job_run, finish_refresh) != 0) {
        lk_refresh_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
