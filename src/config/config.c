/*
 * Loading, disposing, logging and describing the configuration, all driven by the table
 * in config_table.c.
 */
#include "config/config.h"

#include "config/config_table.h"
#include "config/listen_address.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Maximum number of bytes of a value quoted in an error message. */
#define QUOTED_VALUE_MAX 120

static void *field_of(lk_config_t *config, const lk_config_variable_t *variable)
{
    return (char *)config + variable->offset;
}

static const void *const_field_of(const lk_config_t *config, const lk_config_variable_t *variable)
{
    return (const char *)config + variable->offset;
}

static bool has_https_listener(const lk_config_t *config)
{
    for (size_t i = 0; i < config->listener_count; i++) {
        if (config->listeners[i].tls) {
            return true;
        }
    }
    return false;
}

static bool is_required(const lk_config_variable_t *variable, unsigned needs,
                        const lk_config_t *config)
{
    if (variable->required_by & needs) {
        return true;
    }
    return variable->required_with_https && (needs & LK_NEED_SERVE) && has_https_listener(config);
}

/* Replaces bytes outside printable ASCII so that the message stays on one line. */
static void make_printable(char *text)
{
    for (unsigned char *c = (unsigned char *)text; *c != '\0'; c++) {
        if (*c < 0x20 || *c >= 0x7F) {
            *c = '?';
        }
    }
}

/*
 * Writes "NAME: invalid value \"VALUE\": PROBLEM", or hides the value of a sensitive
 * variable. Returns -1 so that callers can return its result.
 */
static int invalid_value(const lk_config_variable_t *variable, const char *value,
                         const char *problem, char *error, size_t error_size)
{
    if (variable->sensitive) {
        snprintf(error, error_size, "%s: invalid value (not shown because it may contain a "
                 "password): %s", variable->name, problem);
    } else {
        bool cut = strlen(value) > QUOTED_VALUE_MAX;
        snprintf(error, error_size, "%s: invalid value \"%.*s%s\": %s", variable->name,
                 QUOTED_VALUE_MAX, value, cut ? "..." : "", problem);
    }
    make_printable(error);
    return -1;
}

/* Parses a strict decimal integer: an optional '-' and digits, nothing else. */
static int parse_integer(const char *text, int64_t *number)
{
    char *end = NULL;

    if (!(text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) {
        return -1;
    }
    errno = 0;
    long long parsed = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        return -1;
    }
    *number = parsed;
    return 0;
}

static void store_integer(lk_config_t *config, const lk_config_variable_t *variable,
                          int64_t number)
{
    void *field = field_of(config, variable);

    if (variable->type == LK_CONFIG_INT) {
        *(int *)field = (int)number;
    } else if (variable->type == LK_CONFIG_BYTES) {
        *(size_t *)field = (size_t)number;
    } else {
        *(int64_t *)field = number;
    }
}

int64_t lk_config_read_integer(const lk_config_t *config, const lk_config_variable_t *variable)
{
    const void *field = const_field_of(config, variable);

    if (variable->type == LK_CONFIG_INT) {
        return *(const int *)field;
    }
    if (variable->type == LK_CONFIG_BYTES) {
        return (int64_t)*(const size_t *)field;
    }
    return *(const int64_t *)field;
}

static int set_integer(lk_config_t *config, const lk_config_variable_t *variable,
                       const char *value, char *problem, size_t size)
{
    int64_t number;

    if (parse_integer(value, &number) != 0 || number < variable->minimum ||
        number > variable->maximum) {
        snprintf(problem, size, "expected an integer from %" PRId64 " to %" PRId64,
                 variable->minimum, variable->maximum);
        return -1;
    }
    store_integer(config, variable, number);
    return 0;
}

static int set_string(lk_config_t *config, const lk_config_variable_t *variable,
                      const char *value, char *problem, size_t size)
{
    if (variable->check != NULL && variable->check(value, problem, size) != 0) {
        return -1;
    }

    char *copy = strdup(value);
    if (copy == NULL) {
        snprintf(problem, size, "out of memory");
        return -1;
    }
    *(char **)field_of(config, variable) = copy;
    return 0;
}

static int set_admin_address(lk_config_t *config, const char *value, char *problem, size_t size)
{
    if (lk_listen_address_parse(value, strlen(value), &config->admin_listen, problem, size) != 0) {
        return -1;
    }
    if (config->admin_listen.tls) {
        snprintf(problem, size, "expected http://ADDR:PORT because the admin listener has no TLS");
        return -1;
    }
    config->admin_listen_enabled = true;
    return 0;
}

/* Parses a set (or default) value into its field. Returns 0, or -1 with the problem. */
static int set_value(lk_config_t *config, const lk_config_variable_t *variable,
                     const char *value, char *problem, size_t size)
{
    switch (variable->type) {
    case LK_CONFIG_INT:
    case LK_CONFIG_SECONDS:
    case LK_CONFIG_BYTES:
        return set_integer(config, variable, value, problem, size);
    case LK_CONFIG_LISTEN_LIST:
        return lk_listen_list_parse(value, config->listeners, LK_MAX_LISTENERS,
                                    &config->listener_count, problem, size);
    case LK_CONFIG_ADDRESS:
        return set_admin_address(config, value, problem, size);
    case LK_CONFIG_LOG_LEVEL:
        if (lk_log_parse_level(value, &config->log_level) != 0) {
            snprintf(problem, size, "expected debug, info, warn or error");
            return -1;
        }
        return 0;
    case LK_CONFIG_STRING:
    case LK_CONFIG_FILE_PATH:
    default:
        return set_string(config, variable, value, problem, size);
    }
}

/* Checks that a required file can be opened for reading and is a regular file, so that a
 * wrong path stops start-up instead of the first TLS handshake or key load. */
static int check_readable_file(const lk_config_variable_t *variable, const char *path,
                               char *error, size_t error_size)
{
    struct stat status;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int saved_errno = errno;

    if (fd >= 0 && fstat(fd, &status) == 0 && !S_ISREG(status.st_mode)) {
        saved_errno = EISDIR;
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        snprintf(error, error_size, "%s: cannot read \"%s\": %s: check the path and its "
                 "permissions", variable->name, path,
                 saved_errno == EISDIR ? "not a regular file" : strerror(saved_errno));
        make_printable(error);
        return -1;
    }
    close(fd);
    return 0;
}

/* Loads one variable: its value, else its default, else nothing, which is an error only
 * when the variable is required. */
static int load_variable(lk_config_t *config, const lk_config_variable_t *variable,
                         const char *value, unsigned needs, char *error, size_t error_size)
{
    char problem[256];
    bool required = is_required(variable, needs, config);

    if (value == NULL && variable->default_function != NULL) {
        store_integer(config, variable, variable->default_function(config));
        return 0;
    }
    if (value == NULL && variable->default_value == NULL) {
        if (required) {
            snprintf(error, error_size, "%s: missing: %s", variable->name, variable->missing_hint);
            return -1;
        }
        return 0;
    }

    const char *text = value != NULL ? value : variable->default_value;
    if (set_value(config, variable, text, problem, sizeof problem) != 0) {
        return invalid_value(variable, text, problem, error, error_size);
    }
    if (variable->type == LK_CONFIG_FILE_PATH && required) {
        return check_readable_file(variable, text, error, error_size);
    }
    return 0;
}

/*
 * Checks the timing rules of key rotation. A new key must stay published for longer than
 * any verifier may cache a JWKS fetched before an instance had loaded it. That is the
 * JWKS max-age plus the interval of the periodic reload, which bounds how late an
 * instance that missed the change notification loads the key. A rotation period no
 * longer than that delay would start the next rotation before the last one had finished.
 */
static int check_key_timing(const lk_config_t *config, char *error, size_t error_size)
{
    int64_t minimum_delay = config->jwks_max_age + config->key_reload_interval;

    if (config->key_prepublish_delay < minimum_delay) {
        snprintf(error, error_size, "LATCHKEY_KEY_PREPUBLISH_DELAY: invalid value \"%" PRId64
                 "\": must be at least LATCHKEY_JWKS_MAX_AGE + LATCHKEY_KEY_RELOAD_INTERVAL "
                 "(%" PRId64 "), so that caching verifiers fetch a new key before it signs",
                 config->key_prepublish_delay, minimum_delay);
        return -1;
    }
    if (config->key_rotation_period != 0 &&
        config->key_rotation_period <= config->key_prepublish_delay) {
        snprintf(error, error_size, "LATCHKEY_KEY_ROTATION_PERIOD: invalid value \"%" PRId64
                 "\": must be 0 (off) or greater than LATCHKEY_KEY_PREPUBLISH_DELAY (%" PRId64
                 ")", config->key_rotation_period, config->key_prepublish_delay);
        return -1;
    }
    return 0;
}

/* Checks rules that involve two variables. */
static int check_combinations(const lk_config_t *config, char *error, size_t error_size)
{
    if (config->refresh_idle_timeout > config->refresh_token_ttl) {
        snprintf(error, error_size, "LATCHKEY_REFRESH_IDLE_TIMEOUT: invalid value \"%" PRId64
                 "\": must not exceed LATCHKEY_REFRESH_TOKEN_TTL (%" PRId64 ")",
                 config->refresh_idle_timeout, config->refresh_token_ttl);
        return -1;
    }
    return check_key_timing(config, error, error_size);
}

int lk_config_load(lk_config_t *config, unsigned needs, lk_env_lookup_fn lookup, void *context,
                   char *error, size_t error_size)
{
    memset(config, 0, sizeof *config);
    snprintf(error, error_size, "%s", "");

    for (size_t i = 0; i < lk_config_variable_count; i++) {
        const lk_config_variable_t *variable = &lk_config_variables[i];
        const char *value = lookup(variable->name, context);

        /* An empty value counts as unset, as container environments often write it. */
        if (value != NULL && value[0] == '\0') {
            value = NULL;
        }
        if (load_variable(config, variable, value, needs, error, error_size) != 0) {
            lk_config_dispose(config);
            return -1;
        }
    }

    if (check_combinations(config, error, error_size) != 0) {
        lk_config_dispose(config);
        return -1;
    }
    return 0;
}

void lk_config_dispose(lk_config_t *config)
{
    for (size_t i = 0; i < lk_config_variable_count; i++) {
        const lk_config_variable_t *variable = &lk_config_variables[i];
        if (variable->type != LK_CONFIG_STRING && variable->type != LK_CONFIG_FILE_PATH) {
            continue;
        }

        char **field = field_of(config, variable);
        if (*field != NULL && variable->sensitive) {
            sodium_memzero(*field, strlen(*field));
        }
        free(*field);
        *field = NULL;
    }
}
