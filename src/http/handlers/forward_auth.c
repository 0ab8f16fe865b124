/*
 * GET /v1/auth: forward authentication for reverse proxies (nginx auth_request, Traefik
 * ForwardAuth, Envoy ext_authz). The proxy passes the client's Authorization header and,
 * optionally, the organisation the protected route belongs to, in the query parameter
 * org_id or the header X-Auth-Org-Id. The response is 200 with X-Auth-User-Id (and, for an
 * organisation, X-Auth-Org-Id and X-Auth-Role), 401 without a valid token, or 403 for a
 * non-member. Every method is accepted because proxies forward the original one.
 *
 * Under /v1/auth/... (Envoy appends the original path) the query string belongs to the
 * original request and is ignored, so the organisation then comes from the header only.
 */
#include "http/handlers/handlers.h"

#include "http/access_lookup.h"
#include "http/bearer.h"
#include "http/request_query.h"
#include "http/respond.h"
#include "validate/uuid_text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ORG_HEADER "x-auth-org-id"

static const lk_field_rule_t auth_query[] = {
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
};

typedef struct auth_context {
    char user_id[37];
    char org_id[37]; /* the organisation to check, or "" */
} auth_context_t;

static void respond_bad_org(lk_request_t *request, const char *field, const char *message)
{
    lk_validation_result_t result = {.status = 400, .error_count = 1};
    snprintf(result.detail, sizeof result.detail, "The organisation id is invalid.");
    snprintf(result.errors[0].field, sizeof result.errors[0].field, "%s", field);
    snprintf(result.errors[0].message, sizeof result.errors[0].message, "%s", message);
    lk_respond_invalid_request(request, &result);
}

/* Reads org_id from the query string (exact /v1/auth only) into `org_id`. */
static int read_query_org_or_respond(lk_request_t *request, char org_id[37])
{
    org_id[0] = '\0';
    if (strcmp(request->route, "/v1/auth") != 0)
        return 0;

    json_t *query = lk_parse_query_or_respond(request, auth_query,
                                              sizeof auth_query / sizeof auth_query[0]);
    if (query == NULL)
        return -1;
    const char *value = lk_request_string(query, "org_id");
    if (value != NULL)
        lk_uuid_copy_lower(value, org_id);
    json_decref(query);
    return 0;
}

/*
 * Finds the organisation to check: from the query, the header or the token's own scope.
 * Returns 0, or -1 after sending 400 (malformed or conflicting ids) or 403 (a
 * token scoped to another organisation).
 */
static int required_org_or_respond(lk_request_t *request, const json_t *claims, char org_id[37])
{
    if (read_query_org_or_respond(request, org_id) != 0)
        return -1;

    h2o_iovec_t header = lk_request_header(request, ORG_HEADER);
    if (header.base != NULL && !lk_format_is_uuid(header.base, header.len)) {
        respond_bad_org(request, "X-Auth-Org-Id", "must be a UUID (8-4-4-4-12 hexadecimal digits)");
        return -1;
    }
    if (header.base != NULL && org_id[0] != '\0' && strncasecmp(header.base, org_id, 36) != 0) {
        respond_bad_org(request, "X-Auth-Org-Id", "differs from the org_id query parameter");
        return -1;
    }
    if (header.base != NULL)
        lk_uuid_copy_lower(header.base, org_id);

    const char *token_org = lk_claim_string(claims, "org_id");
    if (token_org[0] != '\0' && org_id[0] != '\0' && strcasecmp(token_org, org_id) != 0) {
        lk_respond_problem(request, 403, "forbidden", "Forbidden",
                           "The access token is scoped to another organisation.");
        return -1;
    }
    /* A token scoped to an organisation is checked against its current membership. */
    if (org_id[0] == '\0' && lk_format_is_uuid(token_org, strlen(token_org)))
        lk_uuid_copy_lower(token_org, org_id);
    return 0;
}

static void finish_auth(lk_request_t *request, const lk_access_lookup_t *lookup, void *data)
{
    auth_context_t *context = data;
    const lk_membership_fact_t *membership = &lookup->memberships[0].fact;
    if (membership->state != LK_FACT_PRESENT) {
        lk_respond_problem(request, 403, "forbidden", "Forbidden",
                           "The user is not a member of the required organisation.");
        return;
    }

    lk_response_header(request, "x-auth-user-id", context->user_id);
    lk_response_header(request, "x-auth-org-id", context->org_id);
    lk_response_header(request, "x-auth-role", lk_org_role_name(membership->role));
    lk_respond_empty(request, 200);
}

void lk_handle_forward_auth(lk_request_t *request)
{
    json_t *claims = NULL;
    if (lk_authenticate_bearer_or_respond(request, &claims) != 0)
        return;

    auth_context_t *context = h2o_mem_alloc_pool(&request->req->pool, sizeof *context);
    memset(context, 0, sizeof *context);
    snprintf(context->user_id, sizeof context->user_id, "%s", lk_claim_string(claims, "sub"));
    int status = required_org_or_respond(request, claims, context->org_id);
    json_decref(claims);
    if (status != 0)
        return;

    if (context->org_id[0] == '\0') {
        lk_response_header(request, "x-auth-user-id", context->user_id);
        lk_respond_empty(request, 200);
        return;
    }
    lk_access_lookup_t lookup;
    lk_access_lookup_init(&lookup);
    lk_access_lookup_add_membership(&lookup, context->org_id, context->user_id);
    lk_access_lookup_run(request, &lookup, finish_auth, context);
}
