/* The per-request log line; see request_log.h. */
#include "http/request_log.h"

#include "core/log.h"

#include <string.h>

/* Paths are logged at most this long, so that a client cannot blow up log lines. */
#define LOGGED_PATH_MAX 200

static json_t *string_or_null(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return json_null();
    json_t *value = json_string(text);
    return value != NULL ? value : json_null();
}

/*
 * Copies at most LOGGED_PATH_MAX bytes of client-supplied text, replacing anything but
 * printable ASCII with '?', so that the line stays valid JSON and one line.
 */
static json_t *printable_text(h2o_iovec_t text)
{
    char copy[LOGGED_PATH_MAX + 1];
    size_t length = text.len < LOGGED_PATH_MAX ? text.len : LOGGED_PATH_MAX;
    for (size_t i = 0; i < length; i++) {
        char c = text.base[i];
        copy[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    copy[length] = '\0';
    return json_string(copy);
}

static double elapsed_milliseconds(const struct timespec *started)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - started->tv_sec) * 1e3 +
           (double)(now.tv_nsec - started->tv_nsec) / 1e6;
}

void lk_request_log_write(const lk_request_t *request, int status)
{
    const h2o_req_t *req = request->req;
    json_t *fields = json_object();
    if (fields == NULL)
        return;

    json_object_set_new(fields, "msg", json_string("request"));
    json_object_set_new(fields, "method",
                        printable_text(req->method));
    if (request->route != NULL)
        json_object_set_new(fields, "route", json_string(request->route));
    else
        json_object_set_new(fields, "path", printable_text(req->path_normalized));
    json_object_set_new(fields, "status", json_integer(status));
    json_object_set_new(fields, "duration_ms",
                        json_real(elapsed_milliseconds(&request->started)));
    json_object_set_new(fields, "request_id", json_string(request->request_id));
    json_object_set_new(fields, "client_ip", string_or_null(request->client_ip));
    json_object_set_new(fields, "user_id", string_or_null(request->user_id));
    json_object_set_new(fields, "client_id", string_or_null(request->client_id));
    json_object_set_new(fields, "protocol", json_string(req->version >= 0x200 ? "h2" : "http/1.1"));

    lk_log_fields(status >= 500 ? LK_LOG_ERROR : LK_LOG_INFO, fields);
}
