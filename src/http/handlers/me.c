/*
 * GET /v1/me: the signed-in user's id, email and memberships, and nothing else. The token
 * is verified on the event loop, and the profile is read by a worker job.
 */
#include "http/handlers/handlers.h"

#include "http/bearer.h"
#include "http/respond.h"
#include "store/user_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct me_job {
    lk_request_job_t base;
    char user_id[37];
    lk_user_profile_t profile;
    lk_store_result_t result;
} me_job_t;

static json_t *membership_json(const lk_profile_membership_t *membership)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "org_id", membership->org_id, "slug",
                     membership->slug, "name", membership->name, "role",
                     lk_org_role_name(membership->role));
}

static json_t *profile_body(const lk_user_profile_t *profile)
{
    json_t *memberships = json_array();
    for (size_t i = 0; memberships != NULL && i < profile->membership_count; i++)
        json_array_append_new(memberships, membership_json(&profile->memberships[i]));
    return json_pack("{s:s, s:s, s:o}", "id", profile->id, "email", profile->email,
                     "memberships", memberships);
}

static void run_me(lk_job_t *base, lk_worker_t *worker)
{
    me_job_t *job = (me_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->result = LK_STORE_UNAVAILABLE;
        return;
    }
    job->result = lk_store_user_profile_load(connection, job->user_id, &job->profile);
    if (job->result == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);
}

static void respond_profile(lk_request_t *request, const me_job_t *job)
{
    /* A token stays valid until it expires, even after its account is disabled or deleted,
       so the account is checked here too. */
    if (job->result == LK_STORE_NOT_FOUND || (job->result == LK_STORE_OK && job->profile.disabled))
        lk_respond_bearer_unauthorized(request, LK_BEARER_INVALID);
    else if (job->result == LK_STORE_OK)
        lk_respond_json(request, 200, profile_body(&job->profile));
    else if (job->result == LK_STORE_UNAVAILABLE)
        lk_respond_unavailable(request, "database unavailable while reading the profile");
    else
        lk_respond_internal_error(request, "reading the profile failed; see the database error "
                                           "above");
}

static void finish_me(lk_job_t *base)
{
    me_job_t *job = (me_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);
    if (request != NULL)
        respond_profile(request, job);
    lk_user_profile_dispose(&job->profile);
    free(job);
}

void lk_handle_me(lk_request_t *request)
{
    json_t *claims = NULL;
    if (lk_authenticate_bearer_or_respond(request, &claims) != 0)
        return;

    me_job_t *job = calloc(1, sizeof *job);
    if (job == NULL) {
        json_decref(claims);
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    snprintf(job->user_id, sizeof job->user_id, "%s", lk_claim_string(claims, "sub"));
    json_decref(claims);

    if (lk_request_submit(request, &job->base, run_me, finish_me) != 0) {
        free(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
