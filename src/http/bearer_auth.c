/* Bearer authentication of access tokens; see bearer_auth.h. */
#include "http/bearer_auth.h"

#include "core/log.h"
#include "http/respond.h"
#include "tokens/access_token.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The same clock-skew allowance as POST /v1/token/verify. */
#define BEARER_LEEWAY_SECONDS 5

static const char bearer_prefix[] = "Bearer ";

static void respond_missing(lk_request_t *request)
{
    lk_response_header(request, "www-authenticate", "Bearer realm=\"latchkey\"");
    lk_respond_problem(request, 401, "unauthorized", "Unauthorized",
                       "Send an access token in the Authorization header as \"Bearer TOKEN\".");
}

static void respond_invalid(lk_request_t *request)
{
    lk_response_header(request, "www-authenticate",
                       "Bearer realm=\"latchkey\", error=\"invalid_token\"");
    lk_respond_problem(request, 401, "invalid-token", "Invalid access token",
                       "The access token is invalid, expired or revoked. Refresh it or log in "
                       "again.");
}

/* Returns the verified claims, or NULL with the reason for the log in `reason`. */
static json_t *verify(lk_request_t *request, const char *token, size_t length,
                      const char **reason)
{
    const lk_config_t *config = request->app->config;
    lk_verify_params_t params = {
        .issuer = config->issuer,
        .audience = config->audience,
        .now = (int64_t)time(NULL),
        .leeway_seconds = BEARER_LEEWAY_SECONDS,
    };

    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);
    json_t *claims = NULL;
    lk_token_status_t status = lk_access_token_verify(ring, token, length, &params, &claims);
    lk_keyring_release(ring);
    if (status != LK_TOKEN_VALID) {
        *reason = lk_token_status_name(status);
        return NULL;
    }

    const char *session_id = json_string_value(json_object_get(claims, "sid"));
    if (session_id == NULL || lk_revocation_list_contains(request->app->revocations, session_id,
                                                          strlen(session_id), params.now)) {
        *reason = "session revoked";
        json_decref(claims);
        return NULL;
    }
    return claims;
}

json_t *lk_bearer_authenticate_or_respond(lk_request_t *request)
{
    h2o_iovec_t header = lk_request_header(request, "authorization");
    size_t prefix_length = sizeof(bearer_prefix) - 1;
    if (header.base == NULL || header.len <= prefix_length ||
        strncasecmp(header.base, bearer_prefix, prefix_length) != 0) {
        respond_missing(request);
        return NULL;
    }

    const char *token = header.base + prefix_length;
    size_t length = header.len - prefix_length;
    const char *reason = "too long";
    json_t *claims = length <= LK_ACCESS_TOKEN_MAX_LENGTH
                         ? verify(request, token, length, &reason)
                         : NULL;
    if (claims == NULL) {
        lk_log_info("bearer authentication failed: request %s: %s", request->request_id,
                    reason);
        respond_invalid(request);
        return NULL;
    }

    snprintf(request->user_id, sizeof request->user_id, "%s",
             json_string_value(json_object_get(claims, "sub")));
    snprintf(request->client_id, sizeof request->client_id, "%s",
             json_string_value(json_object_get(claims, "client_id")));
    return claims;
}
