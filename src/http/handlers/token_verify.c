/*
 * POST /v1/token/verify and POST /oauth/introspect: RFC 7662 token introspection for
 * service clients holding the scope tokens:verify. The token is verified on the event
 * loop with the in-memory key ring. The client, and with "org_id" the token user's
 * membership, come from the access caches or, when they miss, from one worker job.
 */
#include "http/handlers/handlers.h"

#include "access/client_scopes.h"
#include "core/log.h"
#include "http/access_lookup.h"
#include "http/bearer.h"
#include "http/client_auth.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "tokens/access_token.h"
#include "validate/uuid_text.h"

#include <string.h>
#include <strings.h>

static const lk_field_rule_t verify_fields[] = {
    {.name = "token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_ACCESS_TOKEN_MAX_LENGTH},
    {.name = "token_type_hint", .type = LK_FIELD_STRING, .max_length = 64},
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
};

/* The claims an active response carries, in RFC 7662 order. Nothing else is copied. */
static const char *const reported_claims[] = {
    "iss", "sub", "aud", "exp", "iat", "jti", "client_id", "sid", "org_id", "role",
};

/* What the handler carries from the loop to the end of the access lookup. */
typedef struct verify_context {
    lk_basic_credentials_t credentials;
    json_t *claims;          /* NULL when the token is not active */
    char org_id[37];         /* the requested organisation, lower case, or "" */
    size_t membership_index; /* of the token user's membership of org_id */
} verify_context_t;

static void dispose_context(void *data)
{
    verify_context_t *context = data;
    lk_basic_credentials_wipe(&context->credentials);
    json_decref(context->claims);
}

/* Builds the active response from the token's claims, with the checked role when given. */
static json_t *active_response(const json_t *claims, const char *org_id, lk_org_role_t role)
{
    json_t *body = json_pack("{s:b}", "active", 1);
    if (body == NULL)
        return NULL;
    json_object_set_new(body, "token_type", json_string("Bearer"));
    for (size_t i = 0; i < sizeof(reported_claims) / sizeof(reported_claims[0]); i++) {
        json_t *value = json_object_get(claims, reported_claims[i]);
        if (value != NULL)
            json_object_set(body, reported_claims[i], value);
    }
    if (org_id[0] != '\0') {
        json_object_set_new(body, "org_id", json_string(org_id));
        json_object_set_new(body, "role", json_string(lk_org_role_name(role)));
    }
    return body;
}

static void respond_inactive(lk_request_t *request)
{
    lk_respond_json(request, 200, json_pack("{s:b}", "active", 0));
}

/*
 * Returns true when the token may be reported active for the requested organisation:
 * its user is a member, and the token is not scoped to a different organisation.
 */
static bool membership_allows(const verify_context_t *context, const lk_access_lookup_t *lookup)
{
    const char *token_org = lk_claim_string(context->claims, "org_id");
    if (token_org[0] != '\0' && strcasecmp(token_org, context->org_id) != 0)
        return false;
    return lookup->memberships[context->membership_index].fact.state == LK_FACT_PRESENT;
}

static void finish_verify(lk_request_t *request, const lk_access_lookup_t *lookup, void *data)
{
    verify_context_t *context = data;
    if (lk_client_authorize_or_respond(request, &context->credentials, &lookup->client,
                                       LK_SCOPE_TOKENS_VERIFY) != 0)
        return;

    if (context->claims == NULL) {
        respond_inactive(request);
        return;
    }
    if (context->org_id[0] != '\0' && !membership_allows(context, lookup)) {
        lk_log_debug("token inactive: request %s: user %s is not a member of %s",
                     request->request_id, lk_claim_string(context->claims, "sub"),
                     context->org_id);
        respond_inactive(request);
        return;
    }

    lk_org_role_t role = context->org_id[0] != '\0'
                             ? lookup->memberships[context->membership_index].fact.role
                             : LK_ROLE_NONE;
    lk_respond_json(request, 200, active_response(context->claims, context->org_id, role));
}

/* Verifies the token into context->claims, leaving it NULL when it is not active. */
static void verify_token(lk_request_t *request, const char *token, verify_context_t *context)
{
    lk_token_status_t status = lk_bearer_verify_token(request, token, strlen(token),
                                                      &context->claims);
    if (status != LK_TOKEN_VALID) {
        context->claims = NULL;
        lk_log_debug("token inactive: request %s: %s", request->request_id,
                     lk_token_status_name(status));
    }
}

void lk_handle_token_verify(lk_request_t *request)
{
    verify_context_t *context =
        h2o_mem_alloc_shared(&request->req->pool, sizeof *context, dispose_context);
    memset(context, 0, sizeof *context);
    if (lk_client_credentials_or_respond(request, &context->credentials) != 0)
        return;

    json_t *input = lk_parse_body_or_respond(request, verify_fields,
                                             sizeof(verify_fields) / sizeof(verify_fields[0]),
                                             true);
    if (input == NULL)
        return;
    verify_token(request, lk_request_string(input, "token"), context);
    const char *org_id = lk_request_string(input, "org_id");
    if (org_id != NULL)
        lk_uuid_copy_lower(org_id, context->org_id);
    json_decref(input);

    lk_access_lookup_t lookup;
    lk_access_lookup_init(&lookup);
    lk_access_lookup_add_client(&lookup, context->credentials.client_id);
    if (context->claims != NULL && context->org_id[0] != '\0')
        context->membership_index = lk_access_lookup_add_membership(
            &lookup, context->org_id, lk_claim_string(context->claims, "sub"));
    lk_access_lookup_run(request, &lookup, finish_verify, context);
}
