/*
 * POST /v1/token/verify and POST /oauth/introspect: RFC 7662 token introspection. Runs on
 * the event loop: verification uses only the in-memory key ring and the in-memory list of
 * revoked sessions.
 */
#include "http/handlers/handlers.h"

#include "http/request_body.h"
#include "http/respond.h"
#include "tokens/access_token.h"
#include "core/log.h"

#include <string.h>
#include <time.h>

/* Allowed difference between instances' clocks when checking "iat" and "exp". */
#define VERIFY_LEEWAY_SECONDS 5

static const lk_field_rule_t verify_fields[] = {
    {.name = "token", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_ACCESS_TOKEN_MAX_LENGTH},
    {.name = "token_type_hint", .type = LK_FIELD_STRING, .max_length = 64},
};

/* The claims an active answer carries, in RFC 7662 order; nothing else is copied. */
static const char *const reported_claims[] = {
    "iss", "sub", "aud", "exp", "iat", "jti", "client_id", "sid", "org_id", "role",
};

static json_t *active_response(const json_t *claims)
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
    return body;
}

/* Returns true when the token's session has ended (logout, reuse, revocation). */
static bool session_revoked(const lk_request_t *request, const json_t *claims, int64_t now)
{
    const char *session_id = json_string_value(json_object_get(claims, "sid"));
    return session_id != NULL &&
           lk_revocation_list_contains(request->app->revocations, session_id,
                                       strlen(session_id), now);
}

void lk_handle_token_verify(lk_request_t *request)
{
    json_t *input = lk_parse_body_or_respond(request, verify_fields,
                                             sizeof(verify_fields) / sizeof(verify_fields[0]),
                                             true);
    if (input == NULL)
        return;

    const char *token = lk_request_string(input, "token");
    const lk_config_t *config = request->app->config;
    lk_verify_params_t params = {
        .issuer = config->issuer,
        .audience = config->audience,
        .now = (int64_t)time(NULL),
        .leeway_seconds = VERIFY_LEEWAY_SECONDS,
    };

    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);
    json_t *claims = NULL;
    lk_token_status_t status = lk_access_token_verify(ring, token, strlen(token), &params,
                                                      &claims);
    lk_keyring_release(ring);
    json_decref(input);

    if (status == LK_TOKEN_VALID && session_revoked(request, claims, params.now)) {
        lk_log_debug("token inactive: request %s: session revoked", request->request_id);
        json_decref(claims);
        lk_respond_json(request, 200, json_pack("{s:b}", "active", 0));
        return;
    }
    if (status != LK_TOKEN_VALID) {
        lk_log_debug("token inactive: request %s: %s", request->request_id,
                     lk_token_status_name(status));
        lk_respond_json(request, 200, json_pack("{s:b}", "active", 0));
        return;
    }

    json_t *body = active_response(claims);
    json_decref(claims);
    lk_respond_json(request, 200, body);
}
