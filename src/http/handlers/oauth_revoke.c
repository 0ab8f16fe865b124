/*
 * POST /oauth/revoke: RFC 7009 token revocation for refresh tokens. The body is
 * application/x-www-form-urlencoded with "token" and optional "token_type_hint" (and
 * "client_id", which public clients send and which is ignored). A refresh token ends its
 * whole session, like POST /v1/logout. As RFC 7009 requires, an unknown or invalid token
 * also gets 200. An access token gets 400 "unsupported_token_type", because access
 * tokens are self-contained and are revoked only with their session. Errors use the
 * OAuth 2.0 error shape of RFC 6749 section 5.2.
 */
#include "http/handlers/handlers.h"

#include "core/log.h"
#include "http/handlers/session_end_job.h"
#include "http/respond.h"
#include "tokens/access_token.h"

#include <stdio.h>
#include <string.h>

static const lk_field_rule_t revoke_fields[] = {
    {.name = "token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_ACCESS_TOKEN_MAX_LENGTH},
    {.name = "token_type_hint", .type = LK_FIELD_STRING, .max_length = 64},
    {.name = "client_id", .type = LK_FIELD_STRING, .max_length = 128},
};

/* Sends {"error","error_description"} with `status`. */
static void respond_oauth_error(lk_request_t *request, int status, const char *error,
                                const char *description)
{
    lk_respond_json(request, status,
                    json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

/* Validates the form body. When it is invalid, responds with an OAuth error and returns NULL. */
static json_t *parse_or_respond(lk_request_t *request)
{
    lk_request_schema_t schema = {
        .fields = revoke_fields,
        .field_count = sizeof(revoke_fields) / sizeof(revoke_fields[0]),
        .max_body_bytes = request->app->config->max_body_bytes,
        .accepted_bodies = LK_BODY_FORM,
    };
    h2o_iovec_t content_type = lk_request_header(request, "content-type");
    h2o_iovec_t body = request->req->entity;

    json_t *input = NULL;
    lk_validation_result_t result;
    if (lk_request_validate(&schema, content_type.base, content_type.len,
                            body.base != NULL ? body.base : "", body.len, &input, &result) == 0)
        return input;

    char description[512];
    if (result.error_count > 0 && result.errors[0].field[0] != '\0')
        snprintf(description, sizeof description, "%s %s: %s", result.detail,
                 result.errors[0].field, result.errors[0].message);
    else
        snprintf(description, sizeof description, "%s", result.detail);
    respond_oauth_error(request, result.status != 0 ? result.status : 400, "invalid_request",
                        description);
    return NULL;
}

static void finish_revoke(lk_job_t *base)
{
    lk_session_end_job_t *job = (lk_session_end_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL) {
        if (job->result == LK_STORE_OK || job->result == LK_STORE_NOT_FOUND)
            lk_respond_empty(request, 200);
        else if (job->result == LK_STORE_UNAVAILABLE)
            lk_respond_unavailable(request, "database unavailable");
        else
            lk_respond_internal_error(request, "revocation failed on the worker; see the log "
                                               "line before this one");
    }
    lk_session_end_job_destroy(job);
}

void lk_handle_oauth_revoke(lk_request_t *request)
{
    json_t *input = parse_or_respond(request);
    if (input == NULL)
        return;

    const char *token = lk_request_string(input, "token");
    size_t length = strlen(token);
    if (memchr(token, '.', length) != NULL) {
        json_decref(input);
        respond_oauth_error(request, 400, "unsupported_token_type",
                            "Only refresh tokens can be revoked; an access token ends with "
                            "its session.");
        return;
    }
    if (!lk_opaque_token_is_well_formed(token, length)) {
        json_decref(input);
        lk_log_info("revocation: request %s: not a refresh token, nothing revoked",
                    request->request_id);
        lk_respond_empty(request, 200);
        return;
    }

    lk_session_end_job_t *job = lk_session_end_job_create(token, NULL, "revoked");
    json_decref(input);
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    if (lk_request_submit(request, &job->base, lk_session_end_job_run, finish_revoke) != 0) {
        lk_session_end_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
