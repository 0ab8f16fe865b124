/*
 * Rate limits written as COUNT/PERIOD, such as "5/15m" (5 per 15 minutes) or "20/60" (20
 * per 60 seconds), as used by the LATCHKEY_RATE_LIMIT_* variables. The period takes an
 * optional unit: s (the default), m, h or d. Pure functions, safe on any thread.
 */
#ifndef LK_CONFIG_RATE_SPEC_H
#define LK_CONFIG_RATE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define LK_RATE_MAX_COUNT 1000000
#define LK_RATE_MAX_PERIOD_SECONDS 604800 /* 7 days */

typedef struct lk_rate {
    int64_t count;          /* requests allowed in one period, 1 to LK_RATE_MAX_COUNT */
    int64_t period_seconds; /* 1 to LK_RATE_MAX_PERIOD_SECONDS */
} lk_rate_t;

/*
 * Parses COUNT/PERIOD[UNIT]. Returns 0, or -1 with what was expected in `problem`. No
 * spaces are allowed, so that a value is written one way only.
 */
__attribute__((warn_unused_result)) int lk_rate_parse(const char *text, lk_rate_t *rate,
                                                      char *problem, size_t problem_size);

/* Checks a value for the configuration table; the same rules as lk_rate_parse. */
__attribute__((warn_unused_result)) int lk_rate_check(const char *text, char *problem,
                                                      size_t problem_size);

#endif
