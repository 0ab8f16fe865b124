/*
 * application/x-www-form-urlencoded bodies, decoded as the WHATWG URL standard describes:
 * '&' separates pairs, the first '=' separates name and value, '+' is a space and %XX a
 * byte. Unlike that standard, a malformed percent escape, a repeated name, an empty name,
 * a NUL byte or invalid UTF-8 after decoding rejects the body.
 */
#include "validate/body_parsing.h"
#include "validate/form_decode.h"

#include "validate/utf8.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/*
 * Decodes `length` bytes of `text` into `output`, which has room for `length` + 1 bytes,
 * and NUL-terminates it. Returns the decoded length, or -1 for a malformed escape.
 */
static long percent_decode(const char *text, size_t length, char *output)
{
    size_t written = 0;

    for (size_t i = 0; i < length; i++) {
        if (text[i] == '+') {
            output[written++] = ' ';
        } else if (text[i] != '%') {
            output[written++] = text[i];
        } else {
            int high = i + 2 < length ? hex_value(text[i + 1]) : -1;
            int low = i + 2 < length ? hex_value(text[i + 2]) : -1;
            if (high < 0 || low < 0) {
                return -1;
            }
            output[written++] = (char)(high * 16 + low);
            i += 2;
        }
    }
    output[written] = '\0';
    return (long)written;
}

/* Returns the reason a decoded name or value is unusable, or NULL when it is fine. */
static const char *decoded_text_problem(const char *text, size_t length)
{
    size_t count;

    if (memchr(text, '\0', length) != NULL) {
        return "must not contain NUL bytes";
    }
    if (lk_utf8_count(text, length, &count) != 0) {
        return "invalid UTF-8";
    }
    return NULL;
}

/* Decodes one part of a pair into `output` and checks it. Returns NULL on success, or the
 * reason the part is invalid. */
static const char *decode_part(const char *text, size_t length, char *output, size_t *decoded)
{
    long decoded_length = percent_decode(text, length, output);
    if (decoded_length < 0) {
        return "invalid percent-encoding";
    }
    *decoded = (size_t)decoded_length;
    return decoded_text_problem(output, *decoded);
}

/*
 * Adds one "name=value" pair to `object`, decoding into `buffer` (room for the pair's
 * length + 2 bytes). Returns 0, or -1 with a 400 in `result`.
 */
static int add_pair(json_t *object, const char *pair, size_t length, char *buffer,
                    lk_validation_result_t *result)
{
    const char *equals = memchr(pair, '=', length);
    size_t name_length = equals != NULL ? (size_t)(equals - pair) : length;
    const char *value = equals != NULL ? equals + 1 : pair + length;
    size_t value_length = length - name_length - (equals != NULL ? 1 : 0);
    char *name = buffer;
    char *decoded_value = buffer + name_length + 1;
    size_t decoded_name_length;
    size_t decoded_value_length;

    const char *problem = decode_part(pair, name_length, name, &decoded_name_length);
    if (problem == NULL && decoded_name_length == 0) {
        problem = "empty parameter name";
    }
    if (problem == NULL) {
        problem = decode_part(value, value_length, decoded_value, &decoded_value_length);
    }
    if (problem != NULL) {
        lk_validation_reject(result, 400, "The request body is not a valid form.", problem);
        return -1;
    }

    if (json_object_get(object, name) != NULL) {
        lk_validation_reject(result, 400, "The request body is not a valid form.", NULL);
        lk_validation_add_error(result, name, decoded_name_length, "is given more than once");
        return -1;
    }
    if (json_object_set_new(object, name, json_stringn(decoded_value, decoded_value_length)) != 0) {
        lk_validation_reject(result, 400, "The request body could not be stored.", "out of memory");
        return -1;
    }
    return 0;
}

json_t *lk_form_body_parse(const char *body, size_t length, lk_validation_result_t *result)
{
    json_t *object = json_object();
    /* Decoded pairs may hold secrets such as a token, so the buffer is wiped after use. */
    char *buffer = malloc(length + 2);
    if (object == NULL || buffer == NULL) {
        lk_validation_reject(result, 400, "The request body could not be stored.", "out of memory");
        goto failed;
    }

    /* Empty pairs ("a=1&&b=2", a trailing '&') are skipped as the URL standard does. */
    for (size_t start = 0; start < length;) {
        const char *ampersand = memchr(body + start, '&', length - start);
        size_t end = ampersand != NULL ? (size_t)(ampersand - body) : length;
        if (end > start && add_pair(object, body + start, end - start, buffer, result) != 0) {
            goto failed;
        }
        start = end + 1;
    }

    sodium_memzero(buffer, length + 2);
    free(buffer);
    return object;

failed:
    if (buffer != NULL) {
        sodium_memzero(buffer, length + 2);
    }
    free(buffer);
    json_decref(object);
    return NULL;
}

long lk_form_decode_component(const char *text, size_t length, char *output)
{
    size_t decoded = 0;
    if (decode_part(text, length, output, &decoded) != NULL)
        return -1;
    return (long)decoded;
}
