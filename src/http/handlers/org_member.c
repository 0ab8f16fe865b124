/*
 * GET /v1/orgs/{org_id}/members/{user_id}: the role of one user in one organisation, for
 * service clients with members:read and for members of that organisation. Both the
 * caller's and the target's membership come from the access lookup, so a cached result
 * needs no database round trip.
 */
#include "http/handlers/handlers.h"

#include "http/access_lookup.h"
#include "http/org_caller.h"
#include "http/respond.h"

#include <string.h>

typedef struct member_context {
    lk_org_caller_t caller;
    size_t target_index; /* of the target's membership query */
} member_context_t;

static void dispose_context(void *data)
{
    member_context_t *context = data;
    lk_org_caller_wipe(&context->caller);
}

static void finish_member(lk_request_t *request, const lk_access_lookup_t *lookup, void *data)
{
    member_context_t *context = data;
    const char *org_id = request->path_params.values[0];
    if (lk_org_caller_authorize_or_respond(request, &context->caller, org_id, lookup, false) != 0)
        return;

    const lk_membership_query_t *target = &lookup->memberships[context->target_index];
    if (target->fact.state != LK_FACT_PRESENT) {
        lk_respond_problem(request, 404, "not-a-member", "Not a member",
                           "This user is not a member of the organisation.");
        return;
    }
    lk_respond_json(request, 200,
                    json_pack("{s:s, s:s, s:s}", "org_id", org_id, "user_id", target->user_id,
                              "role", lk_org_role_name(target->fact.role)));
}

void lk_handle_org_member(lk_request_t *request)
{
    member_context_t *context =
        h2o_mem_alloc_shared(&request->req->pool, sizeof *context, dispose_context);
    memset(context, 0, sizeof *context);
    if (lk_org_caller_identify_or_respond(request, &context->caller) != 0)
        return;

    const char *org_id = request->path_params.values[0];
    const char *user_id = request->path_params.values[1];
    lk_access_lookup_t lookup;
    lk_access_lookup_init(&lookup);
    lk_org_caller_prepare_lookup(&context->caller, org_id, &lookup);
    context->target_index = lk_access_lookup_add_membership(&lookup, org_id, user_id);
    lk_access_lookup_run(request, &lookup, finish_member, context);
}
