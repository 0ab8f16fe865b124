/*
 * Content-Type checks (RFC 9110, section 8.3): the media type is compared without regard
 * to case, parameters may follow, and a charset parameter other than utf-8 is rejected.
 */
#include "validate/body_parsing.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char json_media_type[] = "application/json";
static const char form_media_type[] = "application/x-www-form-urlencoded";

typedef struct cursor {
    const char *at;
    const char *end;
} cursor_t;

static void skip_whitespace(cursor_t *cursor)
{
    while (cursor->at < cursor->end && (*cursor->at == ' ' || *cursor->at == '\t')) {
        cursor->at++;
    }
}

static bool is_token_character(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Advances over a token (with '/' allowed when `slash` is true) and returns its length. */
static size_t read_token(cursor_t *cursor, bool slash)
{
    const char *start = cursor->at;
    while (cursor->at < cursor->end &&
           (is_token_character(*cursor->at) || (slash && *cursor->at == '/'))) {
        cursor->at++;
    }
    return (size_t)(cursor->at - start);
}

/* Advances over a quoted-string and stores where its content starts and its length.
 * Returns -1 when the closing quote is missing. */
static int read_quoted(cursor_t *cursor, const char **content, size_t *length)
{
    cursor->at++;
    *content = cursor->at;
    while (cursor->at < cursor->end && *cursor->at != '"') {
        if (*cursor->at == '\\' && cursor->at + 1 < cursor->end) {
            cursor->at++;
        }
        cursor->at++;
    }
    if (cursor->at >= cursor->end) {
        return -1;
    }
    *length = (size_t)(cursor->at - *content);
    cursor->at++;
    return 0;
}

static bool token_equals(const char *token, size_t length, const char *expected)
{
    return length == strlen(expected) && strncasecmp(token, expected, length) == 0;
}

/*
 * Reads the parameters after the media type. Returns 0 when they are well formed and any
 * charset is utf-8, 1 for another charset, or -1 for a syntax error.
 */
static int check_parameters(cursor_t *cursor)
{
    for (;;) {
        skip_whitespace(cursor);
        if (cursor->at == cursor->end) {
            return 0;
        }
        if (*cursor->at != ';') {
            return -1;
        }
        cursor->at++;
        skip_whitespace(cursor);
        if (cursor->at == cursor->end || *cursor->at == ';') {
            continue;
        }

        const char *name = cursor->at;
        size_t name_length = read_token(cursor, false);
        if (name_length == 0 || cursor->at == cursor->end || *cursor->at != '=') {
            return -1;
        }
        cursor->at++;

        const char *value = cursor->at;
        size_t value_length = 0;
        if (cursor->at < cursor->end && *cursor->at == '"') {
            if (read_quoted(cursor, &value, &value_length) != 0) {
                return -1;
            }
        } else {
            value_length = read_token(cursor, false);
        }
        if (value_length == 0) {
            return -1;
        }

        if (token_equals(name, name_length, "charset") &&
            !token_equals(value, value_length, "utf-8")) {
            return 1;
        }
    }
}

/* Returns the detail sentence listing the media types an endpoint accepts. */
static const char *accepted_types_detail(unsigned accepted_bodies)
{
    if (!(accepted_bodies & LK_BODY_JSON)) {
        return "The Content-Type must be application/x-www-form-urlencoded.";
    }
    if (accepted_bodies & LK_BODY_FORM) {
        return "The Content-Type must be application/json or "
               "application/x-www-form-urlencoded.";
    }
    return "The Content-Type must be application/json.";
}

int lk_content_type_check(const char *value, size_t length, unsigned accepted_bodies,
                          unsigned *body_kind, lk_validation_result_t *result)
{
    const char *detail = accepted_types_detail(accepted_bodies);
    if (value == NULL) {
        lk_validation_reject(result, 415, detail, "missing Content-Type");
        return -1;
    }

    cursor_t cursor = {value, value + length};
    skip_whitespace(&cursor);
    const char *media_type = cursor.at;
    size_t media_type_length = read_token(&cursor, true);

    *body_kind = 0;
    if ((accepted_bodies & LK_BODY_JSON) && token_equals(media_type, media_type_length, json_media_type)) {
        *body_kind = LK_BODY_JSON;
    } else if ((accepted_bodies & LK_BODY_FORM) &&
               token_equals(media_type, media_type_length, form_media_type)) {
        *body_kind = LK_BODY_FORM;
    }

    int parameters = check_parameters(&cursor);
    if (*body_kind == 0 || parameters < 0) {
        lk_validation_reject(result, 415, detail, "unsupported Content-Type");
        return -1;
    }
    if (parameters > 0) {
        lk_validation_reject(result, 415, "The charset must be utf-8.", "unsupported charset");
        return -1;
    }
    return 0;
}
