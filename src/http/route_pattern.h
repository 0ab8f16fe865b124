/*
 * Route patterns: paths made of literal segments and two kinds of placeholder.
 * "{uuid}" matches one segment holding a canonical UUID (8-4-4-4-12 hexadecimal digits,
 * either case) and captures it lower-cased. "{*}" may only end a pattern and matches
 * whatever follows, including nothing, without capturing it. A malformed id therefore
 * matches no route, and the router responds 404. Pure, safe on any thread.
 */
#ifndef LK_HTTP_ROUTE_PATTERN_H
#define LK_HTTP_ROUTE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#define LK_ROUTE_MAX_PARAMS 2

/* The values captured by "{uuid}" placeholders, in pattern order. */
typedef struct lk_path_params {
    size_t count;
    char values[LK_ROUTE_MAX_PARAMS][37];
} lk_path_params_t;

/*
 * Matches `path_length` bytes of `path` (without a query string) against `pattern`.
 * Returns true on a match and fills `params`, which may be NULL. On no match `params`
 * contains no values.
 */
bool lk_route_pattern_match(const char *pattern, const char *path, size_t path_length,
                            lk_path_params_t *params);

#endif
