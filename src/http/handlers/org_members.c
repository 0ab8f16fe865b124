/*
 * GET /v1/orgs/{org_id}/members[?limit=N&cursor=C]: one page of an organisation's members
 * in user-id order, for service clients with members:read and for the organisation's
 * owners and admins. The caller is authorised through the access lookup, and the page
 * itself is read by a worker job.
 */
#include "http/handlers/handlers.h"

#include "http/access_lookup.h"
#include "http/members_cursor.h"
#include "http/org_caller.h"
#include "http/request_query.h"
#include "http/respond.h"
#include "store/memberships.h"
#include "store/organisations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 200

static const lk_field_rule_t members_query[] = {
    {.name = "limit", .type = LK_FIELD_INTEGER, .min_value = 1, .max_value = PAGE_MAX},
    {.name = "cursor", .type = LK_FIELD_STRING, .min_length = 1,
     .max_length = LK_MEMBERS_CURSOR_SIZE - 1},
};

typedef struct members_context {
    lk_org_caller_t caller;
    size_t limit;
    char after_user_id[37]; /* "" for the first page */
} members_context_t;

typedef struct page_job {
    lk_request_job_t base;
    char org_id[37];
    char after_user_id[37];
    size_t limit;
    lk_member_record_t *members;
    size_t count;
    bool has_more;
    lk_store_result_t result;
} page_job_t;

static void dispose_context(void *data)
{
    members_context_t *context = data;
    lk_org_caller_wipe(&context->caller);
}

static void destroy_job(page_job_t *job)
{
    free(job->members);
    free(job);
}

/* Formats seconds since the epoch as an RFC 3339 UTC timestamp. */
static json_t *timestamp_json(int64_t seconds)
{
    time_t value = (time_t)seconds;
    struct tm parts;
    char text[32];
    if (gmtime_r(&value, &parts) == NULL ||
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0)
        return json_null();
    return json_string(text);
}

static json_t *page_body(const page_job_t *job)
{
    json_t *members = json_array();
    for (size_t i = 0; members != NULL && i < job->count; i++) {
        const lk_member_record_t *member = &job->members[i];
        json_array_append_new(members, json_pack("{s:s, s:s, s:s, s:o}", "user_id",
                                                 member->user_id, "email", member->email, "role",
                                                 lk_org_role_name(member->role), "joined_at",
                                                 timestamp_json(member->joined_at)));
    }

    json_t *next = json_null();
    if (job->has_more && job->count > 0) {
        char cursor[LK_MEMBERS_CURSOR_SIZE];
        lk_members_cursor_encode(job->org_id, job->members[job->count - 1].user_id, cursor);
        next = json_string(cursor);
    }
    return json_pack("{s:s, s:o, s:o}", "org_id", job->org_id, "members", members,
                     "next_cursor", next);
}

static void run_page(lk_job_t *base, lk_worker_t *worker)
{
    page_job_t *job = (page_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        job->result = LK_STORE_UNAVAILABLE;
        return;
    }

    const char *after = job->after_user_id[0] != '\0' ? job->after_user_id : NULL;
    job->result = lk_store_members_page(connection, job->org_id, after, job->limit, job->members,
                                        &job->count, &job->has_more);
    /* An empty first page may mean that the organisation does not exist. */
    if (job->result == LK_STORE_OK && job->count == 0 && after == NULL)
        job->result = lk_store_organisation_exists(connection, job->org_id);
    if (job->result == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);
}

static void respond_page(lk_request_t *request, const page_job_t *job)
{
    switch (job->result) {
    case LK_STORE_OK:
        lk_respond_json(request, 200, page_body(job));
        break;
    case LK_STORE_NOT_FOUND:
        lk_respond_problem(request, 404, "not-found", "Organisation not found",
                           "No organisation has this id.");
        break;
    case LK_STORE_UNAVAILABLE:
        lk_respond_unavailable(request, "database unavailable while listing members");
        break;
    default:
        lk_respond_internal_error(request, "listing members failed; see the database error "
                                           "above");
        break;
    }
}

static void finish_page(lk_job_t *base)
{
    page_job_t *job = (page_job_t *)base;
    lk_request_t *request = lk_request_job_finish(&job->base);
    if (request != NULL)
        respond_page(request, job);
    destroy_job(job);
}

static void start_page(lk_request_t *request, const lk_access_lookup_t *lookup, void *data)
{
    members_context_t *context = data;
    const char *org_id = request->path_params.values[0];
    if (lk_org_caller_authorize_or_respond(request, &context->caller, org_id, lookup, true) != 0)
        return;

    page_job_t *job = calloc(1, sizeof *job);
    lk_member_record_t *members = calloc(context->limit, sizeof *members);
    if (job == NULL || members == NULL) {
        free(job);
        free(members);
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    job->members = members;
    job->limit = context->limit;
    memcpy(job->org_id, org_id, sizeof job->org_id);
    memcpy(job->after_user_id, context->after_user_id, sizeof job->after_user_id);

    if (lk_request_submit(request, &job->base, run_page, finish_page) != 0) {
        destroy_job(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}

/* Reads limit and cursor into the context. Returns 0, or -1 after sending 400. */
static int parse_paging_or_respond(lk_request_t *request, members_context_t *context)
{
    json_t *query = lk_parse_query_or_respond(request, members_query,
                                              sizeof members_query / sizeof members_query[0]);
    if (query == NULL)
        return -1;

    json_t *limit = json_object_get(query, "limit");
    context->limit = limit != NULL ? (size_t)json_integer_value(limit) : PAGE_DEFAULT;
    const char *cursor = lk_request_string(query, "cursor");
    int status = 0;
    if (cursor != NULL && lk_members_cursor_decode(cursor, strlen(cursor),
                                                   request->path_params.values[0],
                                                   context->after_user_id) != 0) {
        lk_validation_result_t result = {.status = 400};
        snprintf(result.detail, sizeof result.detail, "The query string has invalid parameters.");
        snprintf(result.errors[0].field, sizeof result.errors[0].field, "cursor");
        snprintf(result.errors[0].message, sizeof result.errors[0].message,
                 "must be a next_cursor value returned for this organisation");
        result.error_count = 1;
        lk_respond_invalid_request(request, &result);
        status = -1;
    }
    json_decref(query);
    return status;
}

void lk_handle_org_members(lk_request_t *request)
{
    members_context_t *context =
        h2o_mem_alloc_shared(&request->req->pool, sizeof *context, dispose_context);
    memset(context, 0, sizeof *context);
    if (lk_org_caller_identify_or_respond(request, &context->caller) != 0)
        return;
    if (parse_paging_or_respond(request, context) != 0)
        return;

    lk_access_lookup_t lookup;
    lk_access_lookup_init(&lookup);
    lk_org_caller_prepare_lookup(&context->caller, request->path_params.values[0], &lookup);
    lk_access_lookup_run(request, &lookup, start_page, context);
}
