/* Sending responses with the common headers and the log line; see respond.h. */
#include "http/respond.h"

#include "core/log.h"
#include "http/request_log.h"

#include <stdio.h>
#include <string.h>

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : "Error";
    }
}

void lk_response_header(lk_request_t *request, const char *name, const char *value)
{
    h2o_req_t *req = request->req;
    h2o_iovec_t copied = h2o_strdup(&req->pool, value, SIZE_MAX);
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL,
                          copied.base, copied.len);
}

/* The security headers that every response carries, errors included. */
static void add_common_headers(lk_request_t *request)
{
    h2o_req_t *req = request->req;
    h2o_headers_t *headers = &req->res.headers;

    h2o_add_header(&req->pool, headers, H2O_TOKEN_STRICT_TRANSPORT_SECURITY, NULL,
                   H2O_STRLIT("max-age=31536000; includeSubDomains; preload"));
    h2o_add_header_by_str(&req->pool, headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
                          H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, headers, H2O_STRLIT("x-frame-options"), 0, NULL,
                          H2O_STRLIT("DENY"));
    h2o_add_header_by_str(&req->pool, headers, H2O_STRLIT("content-security-policy"), 0, NULL,
                          H2O_STRLIT("default-src 'none'; frame-ancestors 'none'"));
    h2o_add_header_by_str(&req->pool, headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                          H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(&req->pool, headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          request->request_id, strlen(request->request_id));

    if (h2o_find_header(headers, H2O_TOKEN_CACHE_CONTROL, -1) == -1)
        h2o_add_header(&req->pool, headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       H2O_STRLIT("no-store"));
}

/* Marks the request as responded to; returns false (and logs) when it already was. */
static bool begin_response(lk_request_t *request, int status)
{
    if (request->responded) {
        lk_log_error("response bug: request %s responded to twice (second status %d)",
                     request->request_id, status);
        return false;
    }
    request->responded = true;
    request->req->res.status = status;
    request->req->res.reason = reason_phrase(status);
    add_common_headers(request);
    lk_request_log_write(request, status);
    return true;
}

void lk_respond_bytes(lk_request_t *request, int status, const char *content_type,
                      const char *body, size_t length)
{
    h2o_req_t *req = request->req;
    h2o_iovec_t type = h2o_strdup(&req->pool, content_type, SIZE_MAX);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type.base,
                   type.len);
    if (!begin_response(request, status))
        return;
    h2o_send_inline(req, body, length);
}

void lk_respond_empty(lk_request_t *request, int status)
{
    if (!begin_response(request, status))
        return;
    h2o_send_inline(request->req, "", 0);
}

void lk_respond_json(lk_request_t *request, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (text == NULL) {
        lk_respond_internal_error(request, "response encoding failed");
        return;
    }
    lk_respond_bytes(request, status, "application/json", text, strlen(text));
    free(text);
}

/* Builds the members that every problem shares. */
static json_t *problem_body(const lk_request_t *request, int status, const char *problem,
                            const char *title, const char *detail)
{
    char type[128];
    snprintf(type, sizeof(type), "urn:latchkey:problem:%s", problem);

    json_t *body = json_object();
    if (body == NULL)
        return NULL;
    json_object_set_new(body, "type", json_string(type));
    json_object_set_new(body, "title", json_string(title));
    json_object_set_new(body, "status", json_integer(status));
    if (detail != NULL)
        json_object_set_new(body, "detail", json_string(detail));
    json_object_set_new(body, "request_id", json_string(request->request_id));
    return body;
}

static void send_problem(lk_request_t *request, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (text == NULL) {
        static const char fallback[] = "{\"type\":\"about:blank\",\"status\":500}";
        lk_respond_bytes(request, 500, "application/problem+json", fallback,
                         sizeof(fallback) - 1);
        return;
    }
    lk_respond_bytes(request, status, "application/problem+json", text, strlen(text));
    free(text);
}

void lk_respond_problem(lk_request_t *request, int status, const char *problem,
                        const char *title, const char *detail)
{
    send_problem(request, status, problem_body(request, status, problem, title, detail));
}

static const char *validation_problem(int status)
{
    if (status == 413)
        return "body-too-large";
    if (status == 415)
        return "unsupported-media-type";
    return "invalid-request";
}

static const char *validation_title(int status)
{
    if (status == 413)
        return "Request body too large";
    if (status == 415)
        return "Unsupported media type";
    return "Invalid request";
}

void lk_respond_invalid_request(lk_request_t *request, const lk_validation_result_t *result)
{
    int status = result->status != 0 ? result->status : 400;
    json_t *body = problem_body(request, status, validation_problem(status),
                                validation_title(status),
                                result->detail[0] != '\0' ? result->detail : NULL);
    if (body != NULL && result->error_count > 0) {
        json_t *errors = json_array();
        for (size_t i = 0; i < result->error_count; i++) {
            json_t *entry = json_object();
            json_object_set_new(entry, "field", json_string(result->errors[i].field));
            json_object_set_new(entry, "message", json_string(result->errors[i].message));
            json_array_append_new(errors, entry);
        }
        json_object_set_new(body, "errors", errors);
    }
    send_problem(request, status, body);
}

void lk_respond_internal_error(lk_request_t *request, const char *reason)
{
    lk_log_error("internal error: request %s: %s", request->request_id, reason);
    lk_respond_problem(request, 500, "internal-error", "Internal server error",
                       "The server could not complete the request. Retry later; if the problem "
                       "persists, give the request id to the operator.");
}

void lk_respond_unavailable(lk_request_t *request, const char *reason)
{
    lk_log_warn("service unavailable: request %s: %s", request->request_id, reason);
    lk_response_header(request, "retry-after", "1");
    lk_respond_problem(request, 503, "unavailable", "Service unavailable",
                       "The server is temporarily unable to handle the request. Retry shortly.");
}
