/*
 * The `latchkey` command line: shared exit codes, option parsing, usage text and the
 * steps every command repeats (loading the configuration, connecting, printing JSON).
 * Commands print data on standard output and messages on standard error, each message
 * prefixed with "latchkey: ".
 */
#ifndef LK_CLI_CLI_H
#define LK_CLI_CLI_H

#include "config/config.h"
#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LK_EXIT_OK 0
#define LK_EXIT_FAILURE 1 /* the operator can fix it, and the message explains how */
#define LK_EXIT_USAGE 2

#define LK_CLI_MAX_OPTIONS 8
#define LK_CLI_MAX_POSITIONALS 4

typedef struct lk_cli_option {
    const char *name; /* "--alg" */
    bool takes_value; /* --alg ES256 or --alg=ES256; false for flags such as --json */
} lk_cli_option_t;

typedef struct lk_cli_arguments {
    /* Per option, in the order of the option table: its value, "" for a flag that is
       present, or NULL when absent. Values point into argv. */
    const char *values[LK_CLI_MAX_OPTIONS];
    const char *positionals[LK_CLI_MAX_POSITIONALS];
    size_t positional_count;
} lk_cli_arguments_t;

#define LK_CLI_PARSE_HELP 1

/*
 * Parses `argc` arguments against a table of at most LK_CLI_MAX_OPTIONS options.
 * Options and positional arguments may be mixed, and "--" ends the options. Returns 0,
 * LK_CLI_PARSE_HELP when --help or -h was given, or -1 with a message naming the
 * offending argument in `error` (an unknown option, a missing or unexpected value, an
 * option given twice, more than `max_positionals` positional arguments). Pure.
 */
__attribute__((warn_unused_result)) int lk_cli_parse(int argc, char *const *argv,
                                                     const lk_cli_option_t *options,
                                                     size_t option_count, size_t max_positionals,
                                                     lk_cli_arguments_t *arguments, char *error,
                                                     size_t error_size);

/*
 * Parses like lk_cli_parse and reports problems itself: on --help prints the usage, on
 * an error prints "<command>: <error>", both on standard error. Returns LK_EXIT_OK when
 * the caller may go on, or LK_EXIT_USAGE after the report.
 */
__attribute__((warn_unused_result)) int lk_cli_parse_or_report(
    int argc, char *const *argv, const char *command, const lk_cli_option_t *options,
    size_t option_count, size_t max_positionals, lk_cli_arguments_t *arguments);

/* Writes the usage text of every command to `stream`. */
void lk_cli_print_usage(FILE *stream);

/* Prints "latchkey: <message>" and a pointer to --help on standard error. Returns LK_EXIT_USAGE. */
int lk_cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Prints "latchkey: <message>" on standard error. Returns LK_EXIT_FAILURE. */
int lk_cli_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Loads the configuration from the environment with the `needs` bits of config.h. On
 * failure prints the configuration error and returns LK_EXIT_FAILURE, else LK_EXIT_OK.
 */
__attribute__((warn_unused_result)) int lk_cli_load_config(lk_config_t *config, unsigned needs);

/* Connects to LATCHKEY_DATABASE_URL. Returns LK_EXIT_OK, or LK_EXIT_FAILURE after a message. */
__attribute__((warn_unused_result)) int lk_cli_connect(const lk_config_t *config,
                                                       PGconn **connection);

/* A command's work on an open connection; `context` is the command's own data. */
typedef int (*lk_cli_database_action_fn)(PGconn *connection, const void *context);

/*
 * Loads the configuration with `needs`, connects, runs `action` and then closes the
 * connection and frees the configuration. Returns the action's exit status, or
 * LK_EXIT_FAILURE after a message when the configuration or the connection failed.
 */
__attribute__((warn_unused_result)) int lk_cli_with_database(unsigned needs,
                                                             lk_cli_database_action_fn action,
                                                             const void *context);

/*
 * Prints why a store call failed: "<action> failed: ..." with what to check for an
 * unavailable database or a missing schema. Returns LK_EXIT_FAILURE.
 */
int lk_cli_store_failure(lk_store_result_t result, const char *action);

/* Writes the audit actor of this command, "cli:<login name>" (or "cli:uid-<uid>"). */
void lk_cli_actor(char *output, size_t size);

#define LK_CLI_TIME_SIZE 21 /* "2024-05-01T12:00:00Z" and the NUL */

/* Formats seconds since the epoch as RFC 3339 UTC text, or "-" for 0. */
void lk_cli_format_time(int64_t seconds, char output[LK_CLI_TIME_SIZE]);

/* Returns a new JSON string of lk_cli_format_time, or JSON null for 0. */
json_t *lk_cli_time_json(int64_t seconds);

/*
 * Prints `document` as one line of JSON on standard output and releases it (the
 * reference is stolen). Returns LK_EXIT_OK, or LK_EXIT_FAILURE when `document` is NULL
 * (out of memory) or cannot be written.
 */
int lk_cli_print_json(json_t *document);

/* The command groups; `argv[0]` is the group name ("keys"). Each returns an exit code. */
int lk_cli_migrate(int argc, char **argv);
int lk_cli_keys(int argc, char **argv);
int lk_cli_master_key(int argc, char **argv);
int lk_cli_users(int argc, char **argv);
int lk_cli_orgs(int argc, char **argv);
int lk_cli_clients(int argc, char **argv);
int lk_cli_outbox(int argc, char **argv);

#endif
