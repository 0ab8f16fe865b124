/* The route table and dispatch; see router.h. */
#include "http/router.h"

#include "http/handlers/handlers.h"
#include "http/limit_response.h"
#include "http/respond.h"

#include <stdio.h>
#include <string.h>

static const lk_route_t routes[] = {
    {"POST", "/v1/login", lk_handle_login},
    {"POST", "/v1/token/verify", lk_handle_token_verify},
    {"POST", "/oauth/introspect", lk_handle_token_verify},
    {"GET", "/.well-known/jwks.json", lk_handle_jwks},
    {"GET", "/.well-known/openid-configuration", lk_handle_openid_configuration},
    {"GET", "/healthz", lk_handle_healthz},
    {"GET", "/readyz", lk_handle_readyz},
    {"GET", "/v1/me", lk_handle_me},
    {"*", "/v1/auth", lk_handle_forward_auth},
    {"*", "/v1/auth/{*}", lk_handle_forward_auth},
    {"GET", "/v1/orgs/{uuid}/members", lk_handle_org_members},
    {"GET", "/v1/orgs/{uuid}/members/{uuid}", lk_handle_org_member},
    {"POST", "/v1/token/refresh", lk_handle_token_refresh},
    {"POST", "/v1/logout", lk_handle_logout},
    {"POST", "/v1/logout/all", lk_handle_logout_all},
    {"POST", "/oauth/revoke", lk_handle_oauth_revoke},
    {"POST", "/v1/password-reset", lk_handle_password_reset},
    {"POST", "/v1/password-reset/confirm", lk_handle_password_reset_confirm},
    {"POST", "/v1/password", lk_handle_password_change},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

static bool iovec_equals(h2o_iovec_t value, const char *text)
{
    size_t length = strlen(text);
    return value.len == length && memcmp(value.base, text, length) == 0;
}

static bool path_matches(const lk_route_t *route, h2o_iovec_t path, lk_path_params_t *params)
{
    return lk_route_pattern_match(route->path, path.base, path.len, params);
}

static bool method_matches(const lk_route_t *route, h2o_iovec_t method)
{
    return strcmp(route->method, "*") == 0 || iovec_equals(method, route->method);
}

/* Answers 405 with the methods that the path does accept. */
static void respond_method_not_allowed(lk_request_t *request, const char *pattern)
{
    char allow[64] = "";
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        if (!path_matches(&routes[i], request->req->path_normalized, NULL))
            continue;
        if (allow[0] != '\0')
            strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
        strncat(allow, routes[i].method, sizeof(allow) - strlen(allow) - 1);
    }
    lk_response_header(request, "allow", allow);

    char detail[160];
    snprintf(detail, sizeof(detail), "%s accepts only %s.", pattern, allow);
    lk_respond_problem(request, 405, "method-not-allowed", "Method not allowed", detail);
}

void lk_router_dispatch(lk_request_t *request)
{
    h2o_req_t *req = request->req;
    const lk_route_t *path_match = NULL;

    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        if (!path_matches(&routes[i], req->path_normalized, &request->path_params))
            continue;
        path_match = &routes[i];
        if (method_matches(&routes[i], req->method)) {
            request->route = routes[i].path;
            if (lk_route_limit_admit_or_respond(request))
                routes[i].handler(request);
            return;
        }
    }

    if (path_match != NULL) {
        request->route = path_match->path;
        request->path_params.count = 0;
        respond_method_not_allowed(request, path_match->path);
        return;
    }
    lk_respond_problem(request, 404, "not-found", "Not found",
                       "No endpoint exists at this path. See the API reference for the paths.");
}
