/* GET /.well-known/openid-configuration: issuer metadata for verifiers (RFC 8414 fields). */
#include "http/handlers/handlers.h"

#include "http/respond.h"

#include <stdio.h>
#include <string.h>

/* Returns a new JSON string "<issuer><path>", without a doubled slash. */
static json_t *endpoint(const char *issuer, const char *path)
{
    size_t length = strlen(issuer);
    while (length > 0 && issuer[length - 1] == '/')
        length--;

    char url[1024];
    snprintf(url, sizeof(url), "%.*s%s", (int)length, issuer, path);
    return json_string(url);
}

void lk_handle_openid_configuration(lk_request_t *request)
{
    const char *issuer = request->app->config->issuer;
    json_t *body = json_object();
    if (body == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }

    json_object_set_new(body, "issuer", json_string(issuer));
    json_object_set_new(body, "jwks_uri", endpoint(issuer, "/.well-known/jwks.json"));
    json_object_set_new(body, "introspection_endpoint", endpoint(issuer, "/oauth/introspect"));
    json_object_set_new(body, "introspection_endpoint_auth_methods_supported",
                        json_pack("[s]", "client_secret_basic"));
    json_object_set_new(body, "revocation_endpoint", endpoint(issuer, "/oauth/revoke"));
    json_object_set_new(body, "login_endpoint", endpoint(issuer, "/v1/login"));
    json_object_set_new(body, "token_verification_endpoint",
                        endpoint(issuer, "/v1/token/verify"));
    json_object_set_new(body, "access_token_signing_alg_values_supported",
                        json_pack("[s,s]", "ES256", "RS256"));

    char cache_control[64];
    snprintf(cache_control, sizeof(cache_control), "public, max-age=%lld",
             (long long)request->app->config->jwks_max_age);
    lk_response_header(request, "cache-control", cache_control);
    lk_respond_json(request, 200, body);
}
