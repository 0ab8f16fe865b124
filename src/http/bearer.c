/* Bearer authentication with access tokens; see bearer.h. */
#include "http/bearer.h"

#include "sessions/revocation_list.h"

#include "core/log.h"
#include "http/basic_credentials.h"
#include "http/respond.h"
#include "sessions/revocation_list.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

lk_token_status_t lk_bearer_verify_token(lk_request_t *request, const char *token, size_t length,
                                         json_t **claims)
{
    const lk_config_t *config = request->app->config;
    lk_verify_params_t params = {
        .issuer = config->issuer,
        .audience = config->audience,
        .now = (int64_t)time(NULL),
        .leeway_seconds = LK_TOKEN_LEEWAY_SECONDS,
    };

    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);
    lk_token_status_t status = lk_access_token_verify(ring, token, length, &params, claims);
    lk_keyring_release(ring);

    /* A token outlives its session by up to its TTL, so an ended session is checked too. */
    if (status == LK_TOKEN_VALID) {
        const char *session_id = json_string_value(json_object_get(*claims, "sid"));
        if (session_id != NULL &&
            lk_revocation_list_contains(request->app->revocations, session_id,
                                        strlen(session_id), params.now)) {
            json_decref(*claims);
            *claims = NULL;
            status = LK_TOKEN_SESSION_REVOKED;
        }
    }
    return status;
}

const char *lk_claim_string(const json_t *claims, const char *name)
{
    const char *value = json_string_value(json_object_get(claims, name));
    return value != NULL ? value : "";
}

lk_bearer_status_t lk_bearer_authenticate(lk_request_t *request, json_t **claims)
{
    *claims = NULL;
    h2o_iovec_t header = lk_request_header(request, "authorization");
    size_t length = 0;
    const char *token = lk_authorization_credentials(header.base, header.len, "Bearer", &length);
    if (token == NULL)
        return LK_BEARER_ABSENT;

    lk_token_status_t status = lk_bearer_verify_token(request, token, length, claims);
    if (status != LK_TOKEN_VALID) {
        lk_log_debug("bearer token rejected: request %s: %s", request->request_id,
                     lk_token_status_name(status));
        return LK_BEARER_INVALID;
    }

    snprintf(request->user_id, sizeof request->user_id, "%s", lk_claim_string(*claims, "sub"));
    snprintf(request->client_id, sizeof request->client_id, "%s",
             lk_claim_string(*claims, "client_id"));
    return LK_BEARER_VALID;
}

void lk_respond_bearer_unauthorized(lk_request_t *request, lk_bearer_status_t status)
{
    if (status == LK_BEARER_INVALID) {
        lk_response_header(request, "www-authenticate",
                           "Bearer realm=\"latchkey\", error=\"invalid_token\", "
                           "error_description=\"The access token is invalid or expired\"");
        lk_respond_problem(request, 401, "invalid-token", "Invalid token",
                           "The access token is malformed, expired, not signed by this "
                           "server, or its session has ended. Log in again.");
        return;
    }
    lk_response_header(request, "www-authenticate", "Bearer realm=\"latchkey\"");
    lk_respond_problem(request, 401, "unauthenticated", "Authentication required",
                       "Send an access token as Authorization: Bearer TOKEN.");
}

int lk_authenticate_bearer_or_respond(lk_request_t *request, json_t **claims)
{
    lk_bearer_status_t status = lk_bearer_authenticate(request, claims);
    if (status == LK_BEARER_VALID)
        return 0;
    lk_respond_bearer_unauthorized(request, status);
    return -1;
}
