/*
 * Structured logging: one JSON object per line on standard error.
 *
 * Every line carries "ts" (RFC 3339, UTC, milliseconds), "level" and "msg". Messages
 * start with a fixed, greppable phrase ("login failed:", "database error:") followed by
 * ids. Callers never pass passwords, tokens, secrets or reset links to these functions.
 * All functions are safe to call from any thread; each line is written with one write(2).
 */
#ifndef LK_CORE_LOG_H
#define LK_CORE_LOG_H

#include <jansson.h>
#include <stdbool.h>

typedef enum lk_log_level {
    LK_LOG_DEBUG = 0,
    LK_LOG_INFO = 1,
    LK_LOG_WARN = 2,
    LK_LOG_ERROR = 3,
} lk_log_level_t;

/* Sets the minimum level that is written; the default is LK_LOG_INFO. */
void lk_log_set_level(lk_log_level_t level);

/* Returns true when a line of this level would be written. */
bool lk_log_enabled(lk_log_level_t level);

/* Parses "debug", "info", "warn" or "error". Returns 0, or -1 for any other text. */
__attribute__((warn_unused_result)) int lk_log_parse_level(const char *text, lk_log_level_t *level);

/* Returns the lower-case name of a level ("info"). */
const char *lk_log_level_name(lk_log_level_t level);

/* Writes a line whose "msg" is the formatted text. */
void lk_log(lk_log_level_t level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes a line made of the caller's fields plus "ts" and "level" (added here, replacing
 * any of the same name). Steals the reference to `fields`.
 */
void lk_log_fields(lk_log_level_t level, json_t *fields);

#define lk_log_debug(...) lk_log(LK_LOG_DEBUG, __VA_ARGS__)
#define lk_log_info(...) lk_log(LK_LOG_INFO, __VA_ARGS__)
#define lk_log_warn(...) lk_log(LK_LOG_WARN, __VA_ARGS__)
#define lk_log_error(...) lk_log(LK_LOG_ERROR, __VA_ARGS__)

#endif
