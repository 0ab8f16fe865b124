/*
 * POST /v1/logout: ends the session that a refresh token belongs to and responds 204. Any
 * token of the session's family works, rotated ones included. A token that matches no
 * open session also gets 204, so that a repeated logout succeeds and the endpoint does
 * not tell which tokens exist. The revocation runs on a worker (session_end_job.c).
 */
#include "http/handlers/handlers.h"

#include "core/log.h"
#include "http/handlers/session_end_job.h"
#include "http/request_body.h"
#include "http/respond.h"

#include <string.h>

#define REFRESH_TOKEN_MAX_LENGTH 512

static const lk_field_rule_t logout_fields[] = {
    {.name = "refresh_token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = REFRESH_TOKEN_MAX_LENGTH},
};

static void finish_logout(lk_job_t *base)
{
    lk_session_end_job_t *job = (lk_session_end_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL) {
        switch (job->result) {
        case LK_STORE_OK:
        case LK_STORE_NOT_FOUND:
            lk_respond_empty(request, 204);
            break;
        case LK_STORE_UNAVAILABLE:
            lk_respond_unavailable(request, "database unavailable");
            break;
        case LK_STORE_CONFLICT:
        case LK_STORE_ERROR:
            lk_respond_internal_error(request, "logout failed on the worker; see the log line "
                                               "before this one");
            break;
        }
    }
    lk_session_end_job_destroy(job);
}

void lk_handle_logout(lk_request_t *request)
{
    json_t *input = lk_parse_body_or_respond(request, logout_fields,
                                             sizeof(logout_fields) / sizeof(logout_fields[0]),
                                             false);
    if (input == NULL)
        return;

    const char *token = lk_request_string(input, "refresh_token");
    if (!lk_opaque_token_is_well_formed(token, strlen(token))) {
        json_decref(input);
        lk_log_info("logout: request %s: not a refresh token, no session ended",
                    request->request_id);
        lk_respond_empty(request, 204);
        return;
    }

    lk_session_end_job_t *job = lk_session_end_job_create(token, NULL, "logout");
    json_decref(input);
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    if (lk_request_submit(request, &job->base, lk_session_end_job_run, finish_logout) != 0) {
        lk_session_end_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
