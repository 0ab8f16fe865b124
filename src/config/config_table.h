/*
 * The table that describes every configuration variable: its type, default, range, when
 * it is required, whether it is secret, and its help text. Loading, help output and the
 * effective-configuration log line are all driven by it. Internal to src/config.
 */
#ifndef LK_CONFIG_CONFIG_TABLE_H
#define LK_CONFIG_CONFIG_TABLE_H

#include "config/config.h"

typedef enum lk_config_type {
    LK_CONFIG_STRING,      /* char *, checked by `check` when set */
    LK_CONFIG_FILE_PATH,   /* char *, must name a readable regular file when required */
    LK_CONFIG_INT,         /* int within minimum..maximum */
    LK_CONFIG_SECONDS,     /* int64_t within minimum..maximum */
    LK_CONFIG_BYTES,       /* size_t within minimum..maximum */
    LK_CONFIG_LISTEN_LIST, /* listeners and listener_count */
    LK_CONFIG_ADDRESS,     /* admin_listen and admin_listen_enabled, http:// only */
    LK_CONFIG_LOG_LEVEL,   /* log_level */
} lk_config_type_t;

/* Checks a set string value. Returns 0, or -1 with what was expected in `problem`. */
typedef int (*lk_config_check_fn)(const char *value, char *problem, size_t problem_size);

/* Writes a loggable form of a secret value, with any password replaced by "***". */
typedef void (*lk_config_redact_fn)(const char *value, char *output, size_t output_size);

typedef struct lk_config_variable {
    const char *name;
    lk_config_type_t type;
    size_t offset;                  /* of the field in lk_config_t */
    const char *default_value;      /* parsed like a set value; NULL for none */
    int64_t (*default_function)(const lk_config_t *config); /* a computed integer default */
    const char *default_help;       /* the computed default, in words */
    int64_t minimum;                /* integers only */
    int64_t maximum;                /* integers only */
    unsigned required_by;           /* LK_NEED_* bits of the commands that need it */
    bool required_with_https;       /* also needed by LK_NEED_SERVE with an https listener */
    bool sensitive;                 /* the value may contain a password: never shown */
    lk_config_check_fn check;       /* strings only, or NULL */
    lk_config_redact_fn redact;     /* sensitive only; NULL logs "(set)" */
    const char *missing_hint;       /* what to do when it is required and missing */
    const char *help;
} lk_config_variable_t;

/* Returns the value of an integer variable (LK_CONFIG_INT, _SECONDS or _BYTES). */
int64_t lk_config_read_integer(const lk_config_t *config, const lk_config_variable_t *variable);

extern const lk_config_variable_t lk_config_variables[];
extern const size_t lk_config_variable_count;

/* Redacts the password of a libpq connection string or URI, using libpq's own list of
 * secret keywords. */
void lk_config_redact_database_url(const char *value, char *output, size_t output_size);

/* Redacts the password of a redis:// or unix:// URL. */
void lk_config_redact_redis_url(const char *value, char *output, size_t output_size);

#endif
