/*
 * POST /v1/logout/all: ends every session of the user whose access token is in the
 * Authorization header and responds 204. The body may be empty or an empty JSON object.
 * The revocations run on a worker (session_end_job.c).
 */
#include "http/handlers/handlers.h"

#include "http/bearer.h"
#include "http/handlers/session_end_job.h"
#include "http/request_body.h"
#include "http/respond.h"

static void finish_logout_all(lk_job_t *base)
{
    lk_session_end_job_t *job = (lk_session_end_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);

    if (request != NULL) {
        if (job->result == LK_STORE_OK)
            lk_respond_empty(request, 204);
        else if (job->result == LK_STORE_UNAVAILABLE)
            lk_respond_unavailable(request, "database unavailable");
        else
            lk_respond_internal_error(request, "logout-all failed on the worker; see the log "
                                               "line before this one");
    }
    lk_session_end_job_destroy(job);
}

/* Accepts no body or a body without fields, and responds 400, 413 or 415 otherwise. */
static bool check_empty_body_or_respond(lk_request_t *request)
{
    if (request->req->entity.len == 0)
        return true;
    json_t *input = lk_parse_body_or_respond(request, NULL, 0, false);
    if (input == NULL)
        return false;
    json_decref(input);
    return true;
}

void lk_handle_logout_all(lk_request_t *request)
{
    json_t *claims = NULL;
    if (lk_authenticate_bearer_or_respond(request, &claims) != 0)
        return;
    if (!check_empty_body_or_respond(request)) {
        json_decref(claims);
        return;
    }

    lk_session_end_job_t *job = lk_session_end_job_create(
        NULL, json_string_value(json_object_get(claims, "sub")), "logout_all");
    json_decref(claims);
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    if (lk_request_submit(request, &job->base, lk_session_end_job_run, finish_logout_all) != 0) {
        lk_session_end_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
