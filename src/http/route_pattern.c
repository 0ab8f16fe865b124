/* Matching paths against route patterns; see route_pattern.h. */
#include "http/route_pattern.h"

#include "validate/request_schema.h"
#include "validate/uuid_text.h"

#include <string.h>

#define UUID_PLACEHOLDER "{uuid}"
#define REST_PLACEHOLDER "{*}"

/* Returns the length of the segment that starts at `text`, up to '/' or `end`. */
static size_t segment_length(const char *text, const char *end)
{
    const char *slash = memchr(text, '/', (size_t)(end - text));
    return slash != NULL ? (size_t)(slash - text) : (size_t)(end - text);
}

static bool segment_equals(const char *segment, size_t length, const char *literal)
{
    return strlen(literal) == length && memcmp(segment, literal, length) == 0;
}

/* Stores a lower-cased UUID segment in the next free slot. Returns false when none is left. */
static bool capture_uuid(lk_path_params_t *params, const char *segment)
{
    if (params == NULL)
        return true;
    if (params->count >= LK_ROUTE_MAX_PARAMS)
        return false;

    lk_uuid_copy_lower(segment, params->values[params->count++]);
    return true;
}

/* Matches one pattern segment against one path segment, capturing a UUID. */
static bool match_segment(const char *pattern, size_t pattern_length, const char *segment,
                          size_t length, lk_path_params_t *params)
{
    if (segment_equals(pattern, pattern_length, UUID_PLACEHOLDER))
        return lk_format_is_uuid(segment, length) && capture_uuid(params, segment);
    return pattern_length == length && memcmp(pattern, segment, length) == 0;
}

static bool match(const char *pattern, const char *path, size_t path_length,
                  lk_path_params_t *params)
{
    const char *pattern_end = pattern + strlen(pattern);
    const char *path_end = path + path_length;

    /* Both start with '/', and every step consumes one segment and the '/' before it. */
    while (pattern < pattern_end && path < path_end && *pattern == '/' && *path == '/') {
        pattern++;
        path++;
        size_t pattern_length = segment_length(pattern, pattern_end);
        if (segment_equals(pattern, pattern_length, REST_PLACEHOLDER))
            return pattern + pattern_length == pattern_end;

        size_t length = segment_length(path, path_end);
        if (!match_segment(pattern, pattern_length, path, length, params))
            return false;
        pattern += pattern_length;
        path += length;
    }
    return pattern == pattern_end && path == path_end;
}

bool lk_route_pattern_match(const char *pattern, const char *path, size_t path_length,
                            lk_path_params_t *params)
{
    if (params != NULL)
        params->count = 0;

    bool matched = match(pattern, path, path_length, params);
    if (!matched && params != NULL)
        params->count = 0;
    return matched;
}
