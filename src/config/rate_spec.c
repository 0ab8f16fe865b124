/* Parsing COUNT/PERIOD rate limits; see rate_spec.h. */
#include "config/rate_spec.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Reads 1 to 9 decimal digits at *text and advances past them. Returns -1 for none. */
static int read_digits(const char **text, int64_t *value)
{
    int64_t number = 0;
    size_t digits = 0;

    while ((*text)[0] >= '0' && (*text)[0] <= '9') {
        if (digits == 9)
            return -1;
        number = number * 10 + ((*text)[0] - '0');
        digits++;
        (*text)++;
    }
    *value = number;
    return digits > 0 ? 0 : -1;
}

/* Returns the seconds of one unit letter, 1 for none, or 0 for an unknown letter. */
static int64_t unit_seconds(const char *unit)
{
    if (unit[0] == '\0' || strcmp(unit, "s") == 0)
        return 1;
    if (strcmp(unit, "m") == 0)
        return 60;
    if (strcmp(unit, "h") == 0)
        return 3600;
    if (strcmp(unit, "d") == 0)
        return 86400;
    return 0;
}

static int reject(char *problem, size_t problem_size)
{
    snprintf(problem, problem_size,
             "expected COUNT/PERIOD such as 5/15m: a count from 1 to %d and a period from 1s "
             "to 7d, in seconds or with the unit s, m, h or d",
             LK_RATE_MAX_COUNT);
    return -1;
}

int lk_rate_parse(const char *text, lk_rate_t *rate, char *problem, size_t problem_size)
{
    int64_t count = 0;
    int64_t period = 0;

    if (text == NULL || read_digits(&text, &count) != 0 || text[0] != '/')
        return reject(problem, problem_size);
    text++;
    if (read_digits(&text, &period) != 0)
        return reject(problem, problem_size);

    int64_t unit = unit_seconds(text);
    if (unit == 0)
        return reject(problem, problem_size);
    period *= unit;

    bool in_range = count >= 1 && count <= LK_RATE_MAX_COUNT && period >= 1 &&
                    period <= LK_RATE_MAX_PERIOD_SECONDS;
    if (!in_range)
        return reject(problem, problem_size);
    rate->count = count;
    rate->period_seconds = period;
    return 0;
}

int lk_rate_check(const char *text, char *problem, size_t problem_size)
{
    lk_rate_t rate;
    return lk_rate_parse(text, &rate, problem, problem_size);
}
