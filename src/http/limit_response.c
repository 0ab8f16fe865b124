/* Route limit classes, the loop-side check and the RateLimit headers; see limit_response.h. */
#include "http/limit_response.h"

#include "core/log.h"
#include "http/respond.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Routes with a class of their own. Every other route counts against LK_LIMIT_API, so a new
 * worker-backed endpoint is limited without an entry here. A new endpoint that responds on
 * the event loop needs an in-memory class (LK_LIMIT_VERIFY or LK_LIMIT_PUBLIC), because
 * Redis-backed classes are checked in worker jobs. */
static const struct {
    const char *route;
    lk_limit_class_t limit_class;
} route_classes[] = {
    {"/v1/login", LK_LIMIT_LOGIN},
    {"/v1/password", LK_LIMIT_PASSWORD_CHANGE},
    {"/v1/password-reset", LK_LIMIT_RESET_REQUEST},
    {"/v1/password-reset/confirm", LK_LIMIT_RESET_CONFIRM},
    {"/v1/token/refresh", LK_LIMIT_REFRESH},
    {"/v1/token/verify", LK_LIMIT_VERIFY},
    {"/oauth/introspect", LK_LIMIT_VERIFY},
    /* Forward auth and membership lookups answer from caches on the event loop and only go
     * to a worker on a miss, so they are counted in memory like verification. */
    {"/v1/auth", LK_LIMIT_VERIFY},
    {"/v1/auth/{*}", LK_LIMIT_VERIFY},
    {"/v1/orgs/{uuid}/members", LK_LIMIT_VERIFY},
    {"/v1/orgs/{uuid}/members/{uuid}", LK_LIMIT_VERIFY},
    {"/.well-known/jwks.json", LK_LIMIT_PUBLIC},
    {"/.well-known/openid-configuration", LK_LIMIT_PUBLIC},
    {"/healthz", LK_LIMIT_PUBLIC},
    {"/readyz", LK_LIMIT_PUBLIC},
};

#define HEADER_SIZE 512

lk_limit_class_t lk_route_limit_class(const char *route)
{
    for (size_t i = 0; i < sizeof(route_classes) / sizeof(route_classes[0]); i++) {
        if (strcmp(route_classes[i].route, route) == 0)
            return route_classes[i].limit_class;
    }
    return LK_LIMIT_API;
}

static int64_t whole_seconds(int64_t milliseconds)
{
    return (milliseconds + 999) / 1000;
}

/* Returns true when the rule's state may be shown to this client. */
static bool is_shown(const lk_limit_rule_status_t *status)
{
    return status->applied && (!status->rule->shared || status->rejected);
}

/* Appends `format` to `header` (of HEADER_SIZE bytes), with ", " between list items. */
static void append_item(char *header, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void append_item(char *header, const char *format, ...)
{
    size_t used = strlen(header);
    if (used > 0 && used + 2 < HEADER_SIZE) {
        memcpy(header + used, ", ", 3);
        used += 2;
    }
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(header + used, HEADER_SIZE - used, format, arguments);
    va_end(arguments);
}

static void add_rate_limit_headers(lk_request_t *request, const lk_limit_decision_t *decision)
{
    char policy[HEADER_SIZE] = "";
    char state[HEADER_SIZE] = "";

    for (size_t i = 0; i < decision->rule_count; i++) {
        const lk_limit_rule_status_t *status = &decision->rules[i];
        if (!is_shown(status))
            continue;
        append_item(policy, "\"%s\";q=%" PRId64 ";w=%" PRId64, status->rule->policy,
                    status->rule->count, status->rule->period_ms / 1000);
        append_item(state, "\"%s\";r=%" PRId64 ";t=%" PRId64, status->rule->policy,
                    status->remaining, whole_seconds(status->reset_ms));
    }
    if (policy[0] == '\0')
        return;
    lk_response_header(request, "ratelimit-policy", policy);
    lk_response_header(request, "ratelimit", state);
}

static void respond_rejected(lk_request_t *request, const lk_limit_decision_t *decision)
{
    int64_t seconds = whole_seconds(decision->retry_after_ms);
    char retry_after[24];
    char detail[128];

    if (seconds < 1)
        seconds = 1;
    snprintf(retry_after, sizeof(retry_after), "%" PRId64, seconds);
    snprintf(detail, sizeof(detail), "Too many requests. Retry after %" PRId64 " seconds.",
             seconds);
    lk_response_header(request, "retry-after", retry_after);
    lk_log_info("rate limited: request %s: route %s, retry after %" PRId64 " s",
                request->request_id, request->route != NULL ? request->route : "-", seconds);
    lk_respond_problem(request, 429, "rate-limited", "Too many requests", detail);
}

bool lk_limit_admit_or_respond(lk_request_t *request, const lk_limit_decision_t *decision)
{
    add_rate_limit_headers(request, decision);
    switch (decision->outcome) {
    case LK_LIMIT_REJECTED:
        respond_rejected(request, decision);
        return false;
    case LK_LIMIT_UNAVAILABLE:
        lk_respond_unavailable(request, "rate limit unavailable: Redis cannot be reached");
        return false;
    case LK_LIMIT_NOT_CHECKED:
    case LK_LIMIT_ADMITTED:
        break;
    }
    return true;
}

bool lk_route_limit_admit_or_respond(lk_request_t *request)
{
    lk_limit_query_t *query = &request->limit_query;
    query->limit_class = lk_route_limit_class(request->route);
    query->address_length = lk_client_address_limit_key(&request->client_address, query->address);

    const lk_limit_class_rules_t *rules = lk_limits_class(request->app->limits, query->limit_class);
    if (!rules->in_memory)
        return true;

    lk_limit_decision_t decision;
    lk_limits_check_in_memory(request->app->limits, query, &decision);
    /* Counted now, so that a worker job of this request does not count it again. */
    query->limit_class = LK_LIMIT_NONE;
    return lk_limit_admit_or_respond(request, &decision);
}
