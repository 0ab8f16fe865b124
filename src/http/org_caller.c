/* Callers of the organisation endpoints; see org_caller.h. */
#include "http/org_caller.h"

#include "access/client_scopes.h"
#include "core/log.h"
#include "http/bearer.h"
#include "http/client_auth.h"
#include "http/respond.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void respond_no_credentials(lk_request_t *request)
{
    lk_response_header(request, "www-authenticate", "Basic realm=\"latchkey\"");
    lk_response_header(request, "www-authenticate", "Bearer realm=\"latchkey\"");
    lk_respond_problem(request, 401, "unauthenticated", "Authentication required",
                       "Send a service client's credentials with HTTP Basic authentication, "
                       "or a user's access token as Authorization: Bearer TOKEN.");
}

/* Verifies the Bearer token and keeps the user id and token scope from its claims. */
static int identify_user(lk_request_t *request, lk_org_caller_t *caller)
{
    json_t *claims = NULL;
    if (lk_authenticate_bearer_or_respond(request, &claims) != 0)
        return -1;

    caller->kind = LK_CALLER_USER;
    snprintf(caller->user_id, sizeof caller->user_id, "%s", lk_claim_string(claims, "sub"));
    snprintf(caller->token_org_id, sizeof caller->token_org_id, "%s",
             lk_claim_string(claims, "org_id"));
    json_decref(claims);
    return 0;
}

int lk_org_caller_identify_or_respond(lk_request_t *request, lk_org_caller_t *caller)
{
    memset(caller, 0, sizeof *caller);
    h2o_iovec_t header = lk_request_header(request, "authorization");
    size_t length = 0;
    if (lk_authorization_credentials(header.base, header.len, "Bearer", &length) != NULL)
        return identify_user(request, caller);

    lk_credentials_status_t status =
        lk_basic_credentials_parse(header.base, header.len, &caller->credentials);
    if (status == LK_CREDENTIALS_PRESENT) {
        caller->kind = LK_CALLER_CLIENT;
        return 0;
    }
    if (status == LK_CREDENTIALS_MALFORMED)
        lk_respond_client_unauthorized(request, true);
    else
        respond_no_credentials(request);
    return -1;
}

void lk_org_caller_prepare_lookup(lk_org_caller_t *caller, const char *org_id,
                                  lk_access_lookup_t *lookup)
{
    if (caller->kind == LK_CALLER_CLIENT)
        lk_access_lookup_add_client(lookup, caller->credentials.client_id);
    else
        caller->membership_index = lk_access_lookup_add_membership(lookup, org_id,
                                                                   caller->user_id);
}

static void respond_forbidden(lk_request_t *request)
{
    lk_respond_problem(request, 403, "forbidden", "Forbidden",
                       "Only members of this organisation, and service clients with the scope "
                       "members:read, may read its members; listing them needs the owner or "
                       "admin role.");
}

/* Returns why the user may not read the organisation's members, or NULL when they may. */
static const char *user_denial(const lk_org_caller_t *caller, const char *org_id,
                               const lk_access_lookup_t *lookup, bool managers_only)
{
    const lk_membership_fact_t *own = &lookup->memberships[caller->membership_index].fact;
    if (caller->token_org_id[0] != '\0' && strcasecmp(caller->token_org_id, org_id) != 0)
        return "token scoped to another organisation";
    if (own->state != LK_FACT_PRESENT)
        return "not a member";
    if (managers_only && !lk_org_role_manages_members(own->role))
        return "role is neither owner nor admin";
    return NULL;
}

int lk_org_caller_authorize_or_respond(lk_request_t *request, const lk_org_caller_t *caller,
                                       const char *org_id, const lk_access_lookup_t *lookup,
                                       bool managers_only)
{
    if (caller->kind == LK_CALLER_CLIENT)
        return lk_client_authorize_or_respond(request, &caller->credentials, &lookup->client,
                                              LK_SCOPE_MEMBERS_READ);

    const char *denial = user_denial(caller, org_id, lookup, managers_only);
    if (denial == NULL)
        return 0;
    lk_log_info("organisation access denied: request %s: user %s, organisation %s: %s",
                request->request_id, caller->user_id, org_id, denial);
    respond_forbidden(request);
    return -1;
}

void lk_org_caller_wipe(lk_org_caller_t *caller)
{
    lk_basic_credentials_wipe(&caller->credentials);
}
