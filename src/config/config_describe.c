/* The effective-configuration log line and the help text, both generated from the table. */
#include "config/config.h"

#include "config/config_table.h"
#include "config/listen_address.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Room for LK_MAX_LISTENERS addresses of up to about 80 bytes each. */
#define LISTEN_TEXT_SIZE 704

static void format_listeners(const lk_config_t *config, char *output, size_t size)
{
    size_t used = 0;

    output[0] = '\0';
    for (size_t i = 0; i < config->listener_count && used < size; i++) {
        char address[96];
        lk_listen_address_to_url(&config->listeners[i], address, sizeof address);
        int written = snprintf(output + used, size - used, "%s%s", i > 0 ? "," : "", address);
        used += written > 0 ? (size_t)written : 0;
    }
}

/* A string value for the log: redacted when sensitive, "(not UTF-8)" when jansson cannot
 * store it. */
static json_t *string_as_json(const lk_config_variable_t *variable, const char *value)
{
    char redacted[512];

    if (value == NULL) {
        return json_null();
    }
    if (variable->sensitive) {
        if (variable->redact == NULL) {
            return json_string("(set)");
        }
        variable->redact(value, redacted, sizeof redacted);
        value = redacted;
    }
    json_t *string = json_string(value);
    return string != NULL ? string : json_string("(not UTF-8)");
}

static json_t *value_as_json(const lk_config_t *config, const lk_config_variable_t *variable)
{
    char text[LISTEN_TEXT_SIZE];

    switch (variable->type) {
    case LK_CONFIG_INT:
    case LK_CONFIG_SECONDS:
    case LK_CONFIG_BYTES:
        return json_integer(lk_config_read_integer(config, variable));
    case LK_CONFIG_LISTEN_LIST:
        format_listeners(config, text, sizeof text);
        return json_string(text);
    case LK_CONFIG_ADDRESS:
        if (!config->admin_listen_enabled) {
            return json_null();
        }
        lk_listen_address_to_url(&config->admin_listen, text, sizeof text);
        return json_string(text);
    case LK_CONFIG_LOG_LEVEL:
        return json_string(lk_log_level_name(config->log_level));
    case LK_CONFIG_STRING:
    case LK_CONFIG_FILE_PATH:
    default:
        return string_as_json(variable,
                              *(char *const *)((const char *)config + variable->offset));
    }
}

void lk_config_log_effective(const lk_config_t *config)
{
    json_t *fields = json_object();
    if (fields == NULL || json_object_set_new(fields, "msg", json_string("effective configuration")) != 0) {
        json_decref(fields);
        lk_log_error("configuration log failed: out of memory");
        return;
    }

    for (size_t i = 0; i < lk_config_variable_count; i++) {
        const lk_config_variable_t *variable = &lk_config_variables[i];
        if (json_object_set_new(fields, variable->name, value_as_json(config, variable)) != 0) {
            json_decref(fields);
            lk_log_error("configuration log failed: out of memory");
            return;
        }
    }
    lk_log_fields(LK_LOG_INFO, fields);
}

/* Writes the default, or the requirement when there is none, in words. */
static void print_default(FILE *out, const lk_config_variable_t *variable)
{
    if (variable->default_value != NULL) {
        fprintf(out, "    Default: %s.\n", variable->default_value);
    } else if (variable->default_help != NULL) {
        fprintf(out, "    Default: %s.\n", variable->default_help);
    } else if (variable->required_with_https) {
        fprintf(out, "    Required by \"serve\" when an https listener is configured.\n");
    } else if (variable->required_by != 0) {
        fprintf(out, "    Required by the commands that use it.\n");
    }
}

void lk_config_print_help(void *stream)
{
    FILE *out = stream;

    fprintf(out, "Environment variables (an empty value counts as unset):\n\n");
    for (size_t i = 0; i < lk_config_variable_count; i++) {
        const lk_config_variable_t *variable = &lk_config_variables[i];

        fprintf(out, "  %s\n    %s\n", variable->name, variable->help);
        if (variable->minimum != 0 || variable->maximum != 0) {
            fprintf(out, "    From %" PRId64 " to %" PRId64 ".\n", variable->minimum,
                    variable->maximum);
        }
        print_default(out, variable);
        if (variable->sensitive) {
            fprintf(out, "    Secret: passwords in it are redacted in logs.\n");
        }
    }
}
