/* Loggable forms of the connection settings, with every password replaced by "***". */
#include "config/config_table.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

/* Appends text to `output` at `*used`, truncating silently when full. */
static void append(char *output, size_t size, size_t *used, const char *text, size_t length)
{
    if (*used >= size) {
        return;
    }
    size_t room = size - *used - 1;
    size_t copied = length < room ? length : room;
    memcpy(output + *used, text, copied);
    *used += copied;
    output[*used] = '\0';
}

static void append_text(char *output, size_t size, size_t *used, const char *text)
{
    append(output, size, used, text, strlen(text));
}

/*
 * Rebuilds the settings as "keyword=value" pairs from libpq's parse, so URIs and
 * keyword strings are redacted alike. libpq marks secret keywords (password,
 * sslpassword) with a '*' in dispchar, and their values become "***".
 */
void lk_config_redact_database_url(const char *value, char *output, size_t output_size)
{
    size_t used = 0;
    PQconninfoOption *options = PQconninfoParse(value, NULL);

    snprintf(output, output_size, "%s", options == NULL ? "(set)" : "");
    for (PQconninfoOption *option = options; option != NULL && option->keyword != NULL; option++) {
        if (option->val == NULL) {
            continue;
        }
        bool secret = option->dispchar != NULL && strchr(option->dispchar, '*') != NULL;
        append_text(output, output_size, &used, used > 0 ? " " : "");
        append_text(output, output_size, &used, option->keyword);
        append_text(output, output_size, &used, "=");
        append_text(output, output_size, &used, secret ? "***" : option->val);
    }
    PQconninfoFree(options);
}

/* Writes the URL with the query's password value, if any, replaced by "***". */
static void redact_query(const char *query, char *output, size_t size, size_t *used)
{
    while (*query != '\0') {
        size_t pair_length = strcspn(query, "&");
        if (strncmp(query, "password=", strlen("password=")) == 0) {
            append_text(output, size, used, "password=***");
        } else {
            append(output, size, used, query, pair_length);
        }
        query += pair_length;
        if (*query == '&') {
            append_text(output, size, used, "&");
            query++;
        }
    }
}

/*
 * Replaces the password in the user information of a Redis URL with "***" and keeps the
 * user name. User information without a colon may be a bare password, so it is replaced
 * whole. A "password" query parameter is redacted as well.
 */
void lk_config_redact_redis_url(const char *value, char *output, size_t output_size)
{
    size_t used = 0;
    const char *scheme_end = strstr(value, "://");
    const char *rest = scheme_end != NULL ? scheme_end + 3 : value;
    const char *query = strchr(rest, '?');
    const char *authority_end = query != NULL ? query : rest + strlen(rest);
    const char *at = NULL;

    for (const char *c = rest; c < authority_end; c++) {
        at = *c == '@' ? c : at;
    }

    output[0] = '\0';
    append(output, output_size, &used, value, (size_t)(rest - value));
    if (at != NULL) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (colon != NULL) {
            append(output, output_size, &used, rest, (size_t)(colon - rest));
            append_text(output, output_size, &used, ":");
        }
        append_text(output, output_size, &used, "***");
        rest = at;
    }
    append(output, output_size, &used, rest, (size_t)(authority_end - rest));
    if (query != NULL) {
        append_text(output, output_size, &used, "?");
        redact_query(query + 1, output, output_size, &used);
    }
}
