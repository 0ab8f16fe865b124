/* Structured JSON log lines on standard error; see log.h. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int minimum_level = LK_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void lk_log_set_level(lk_log_level_t level)
{
    atomic_store(&minimum_level, (int)level);
}

bool lk_log_enabled(lk_log_level_t level)
{
    return (int)level >= atomic_load(&minimum_level);
}

int lk_log_parse_level(const char *text, lk_log_level_t *level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (lk_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

const char *lk_log_level_name(lk_log_level_t level)
{
    if ((int)level < 0 || (size_t)level >= sizeof(level_names) / sizeof(level_names[0]))
        return "info";
    return level_names[level];
}

/* Formats the current time as 2026-12-04T20:28:23.123Z. */
static void format_timestamp(char *buffer, size_t size)
{
    struct timespec now;
    struct tm utc;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    size_t length = strftime(buffer, size, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(buffer + length, size - length, ".%03ldZ", now.tv_nsec / 1000000);
}

/* Writes the whole line with one write(2) so that lines from several threads never interleave. */
static void write_line(const char *line, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, line, length);
        if (written <= 0)
            return;
        line += written;
        length -= (size_t)written;
    }
}

void lk_log_fields(lk_log_level_t level, json_t *fields)
{
    if (fields == NULL)
        return;
    if (!lk_log_enabled(level)) {
        json_decref(fields);
        return;
    }

    char timestamp[40];
    format_timestamp(timestamp, sizeof(timestamp));

    /* "ts" and "level" come first so that lines read well in a terminal. */
    json_t *line = json_object();
    if (line == NULL) {
        json_decref(fields);
        return;
    }
    json_object_set_new(line, "ts", json_string(timestamp));
    json_object_set_new(line, "level", json_string(lk_log_level_name(level)));
    json_object_del(fields, "ts");
    json_object_del(fields, "level");
    json_object_update(line, fields);
    json_decref(fields);

    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                    JSON_REAL_PRECISION(9));
    json_decref(line);
    if (text == NULL)
        return;

    size_t length = strlen(text);
    text[length] = '\0';
    char *with_newline = realloc(text, length + 2);
    if (with_newline == NULL) {
        free(text);
        return;
    }
    with_newline[length] = '\n';
    with_newline[length + 1] = '\0';
    write_line(with_newline, length + 1);
    free(with_newline);
}

void lk_log(lk_log_level_t level, const char *format, ...)
{
    if (!lk_log_enabled(level))
        return;

    char message[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof(message), format, arguments);
    va_end(arguments);

    json_t *fields = json_object();
    if (fields == NULL)
        return;
    json_object_set_new(fields, "msg", json_string(message));
    lk_log_fields(level, fields);
}
