/* Blocking Redis connections from a URL; see redis_client.h. */
#include "store/redis_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDIS_DEFAULT_PORT 6379
#define REDIS_TIMEOUT_SECONDS 2

typedef struct redis_target {
    char host[256];
    char socket_path[256];
    int port;
    int database;
    char password[256];
} redis_target_t;

static int parse_number(const char *text, size_t length, long minimum, long maximum, long *value)
{
    char buffer[16];
    if (length == 0 || length >= sizeof(buffer))
        return -1;
    memcpy(buffer, text, length);
    buffer[length] = '\0';

    char *end;
    errno = 0;
    long parsed = strtol(buffer, &end, 10);
    if (errno != 0 || *end != '\0' || parsed < minimum || parsed > maximum)
        return -1;
    *value = parsed;
    return 0;
}

/* Parses unix:///path[?db=N]. */
static int parse_unix_url(const char *rest, redis_target_t *target)
{
    const char *query = strchr(rest, '?');
    size_t path_length = query != NULL ? (size_t)(query - rest) : strlen(rest);
    if (path_length == 0 || rest[0] != '/' || path_length >= sizeof(target->socket_path))
        return -1;
    memcpy(target->socket_path, rest, path_length);

    if (query != NULL) {
        long database;
        if (strncmp(query, "?db=", 4) != 0 ||
            parse_number(query + 4, strlen(query + 4), 0, 1023, &database) != 0)
            return -1;
        target->database = (int)database;
    }
    return 0;
}

/* Parses the part of redis://[:password@]host[:port][/db] after the scheme. */
static int parse_tcp_url(const char *rest, redis_target_t *target)
{
    const char *at = strrchr(rest, '@');
    if (at != NULL) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        const char *password = colon != NULL ? colon + 1 : rest;
        size_t password_length = (size_t)(at - password);
        if (password_length >= sizeof(target->password))
            return -1;
        memcpy(target->password, password, password_length);
        rest = at + 1;
    }

    const char *slash = strchr(rest, '/');
    size_t authority_length = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    const char *port = NULL;
    size_t host_length = authority_length;

    if (rest[0] == '[') {
        const char *bracket = memchr(rest, ']', authority_length);
        if (bracket == NULL)
            return -1;
        host_length = (size_t)(bracket - rest - 1);
        memcpy(target->host, rest + 1, host_length < sizeof(target->host) ? host_length : 0);
        if (bracket + 1 < rest + authority_length) {
            if (bracket[1] != ':')
                return -1;
            port = bracket + 2;
        }
    } else {
        const char *colon = memchr(rest, ':', authority_length);
        if (colon != NULL) {
            host_length = (size_t)(colon - rest);
            port = colon + 1;
        }
        if (host_length >= sizeof(target->host))
            return -1;
        memcpy(target->host, rest, host_length);
    }
    if (target->host[0] == '\0')
        return -1;

    if (port != NULL) {
        long value;
        if (parse_number(port, (size_t)(rest + authority_length - port), 1, 65535, &value) != 0)
            return -1;
        target->port = (int)value;
    }

    if (slash != NULL && slash[1] != '\0') {
        long database;
        if (parse_number(slash + 1, strlen(slash + 1), 0, 1023, &database) != 0)
            return -1;
        target->database = (int)database;
    }
    return 0;
}

static int parse_redis_url(const char *url, redis_target_t *target)
{
    memset(target, 0, sizeof(*target));
    target->port = REDIS_DEFAULT_PORT;

    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix_url(url + 7, target);
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp_url(url + 8, target);
    return -1;
}

/* Runs one command that must answer +OK; returns 0 or -1 with the reason in `error`. */
static int expect_ok(redisContext *context, const char *what, char *error, size_t error_size,
                     const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    redisReply *reply = redisvCommand(context, format, arguments);
    va_end(arguments);

    int result = 0;
    if (reply == NULL) {
        snprintf(error, error_size, "%s failed: %s", what, context->errstr);
        result = -1;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(error, error_size, "%s failed: %s", what, reply->str);
        result = -1;
    }
    freeReplyObject(reply);
    return result;
}

redisContext *lk_redis_connect(const char *url, char *error, size_t error_size)
{
    redis_target_t target;
    if (url == NULL || parse_redis_url(url, &target) != 0) {
        snprintf(error, error_size,
                 "invalid Redis URL: expected redis://host:port/db or unix:///path/to/socket");
        return NULL;
    }

    struct timeval timeout = {.tv_sec = REDIS_TIMEOUT_SECONDS, .tv_usec = 0};
    redisContext *context = target.socket_path[0] != '\0'
                                ? redisConnectUnixWithTimeout(target.socket_path, timeout)
                                : redisConnectWithTimeout(target.host, target.port, timeout);
    if (context == NULL || context->err != 0) {
        snprintf(error, error_size, "cannot connect to Redis: %s",
                 context != NULL ? context->errstr : "out of memory");
        redisFree(context);
        return NULL;
    }
    if (redisSetTimeout(context, timeout) != REDIS_OK) {
        snprintf(error, error_size, "cannot set the Redis timeout");
        redisFree(context);
        return NULL;
    }

    int failed = 0;
    if (target.password[0] != '\0')
        failed = expect_ok(context, "Redis AUTH", error, error_size, "AUTH %s", target.password);
    if (failed == 0 && target.database != 0)
        failed = expect_ok(context, "Redis SELECT", error, error_size, "SELECT %d",
                           target.database);
    memset(target.password, 0, sizeof(target.password));

    if (failed != 0) {
        redisFree(context);
        return NULL;
    }
    return context;
}

int lk_redis_ping(redisContext *context)
{
    redisReply *reply = redisCommand(context, "PING");
    int result = -1;
    if (reply != NULL && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0)
        result = 0;
    freeReplyObject(reply);
    return result;
}
