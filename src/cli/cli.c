/* Shared parts of the `latchkey` command line: parsing, usage, messages, configuration. */
#include "cli/cli.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Finds the option whose name is the first `length` bytes of `name`. Returns its index or -1. */
static int find_option(const lk_cli_option_t *options, size_t option_count, const char *name,
                       size_t length)
{
    for (size_t i = 0; i < option_count; i++) {
        if (strlen(options[i].name) == length && strncmp(options[i].name, name, length) == 0)
            return (int)i;
    }
    return -1;
}

/*
 * Parses the option at argv[*index], taking its value from the same argument after "="
 * or from the next argument (then advancing *index). Returns 0, or -1 with `error`.
 */
static int parse_option(int argc, char *const *argv, int *index, const lk_cli_option_t *options,
                        size_t option_count, lk_cli_arguments_t *arguments, char *error,
                        size_t error_size)
{
    const char *argument = argv[*index];
    const char *equals = strchr(argument, '=');
    size_t name_length = equals != NULL ? (size_t)(equals - argument) : strlen(argument);

    int found = find_option(options, option_count, argument, name_length);
    if (found < 0) {
        snprintf(error, error_size, "unknown option %.*s", (int)name_length, argument);
        return -1;
    }

    const lk_cli_option_t *option = &options[found];
    if (arguments->values[found] != NULL) {
        snprintf(error, error_size, "option %s given twice", option->name);
        return -1;
    }

    if (!option->takes_value) {
        if (equals != NULL) {
            snprintf(error, error_size, "option %s takes no value", option->name);
            return -1;
        }
        arguments->values[found] = "";
        return 0;
    }

    if (equals != NULL) {
        arguments->values[found] = equals + 1;
    } else if (*index + 1 < argc) {
        *index += 1;
        arguments->values[found] = argv[*index];
    } else {
        snprintf(error, error_size, "option %s requires a value", option->name);
        return -1;
    }
    return 0;
}

int lk_cli_parse(int argc, char *const *argv, const lk_cli_option_t *options, size_t option_count,
                 size_t max_positionals, lk_cli_arguments_t *arguments, char *error,
                 size_t error_size)
{
    memset(arguments, 0, sizeof *arguments);
    if (option_count > LK_CLI_MAX_OPTIONS || max_positionals > LK_CLI_MAX_POSITIONALS) {
        snprintf(error, error_size, "too many options or arguments declared");
        return -1;
    }

    bool options_ended = false;
    for (int i = 0; i < argc; i++) {
        const char *argument = argv[i];

        if (!options_ended && strcmp(argument, "--") == 0) {
            options_ended = true;
            continue;
        }
        if (!options_ended && argument[0] == '-' && argument[1] != '\0') {
            if (strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0)
                return LK_CLI_PARSE_HELP;
            if (parse_option(argc, argv, &i, options, option_count, arguments, error,
                             error_size) != 0)
                return -1;
            continue;
        }

        if (arguments->positional_count >= max_positionals) {
            snprintf(error, error_size, "unexpected argument \"%s\"", argument);
            return -1;
        }
        arguments->positionals[arguments->positional_count++] = argument;
    }
    return 0;
}

int lk_cli_parse_or_report(int argc, char *const *argv, const char *command,
                           const lk_cli_option_t *options, size_t option_count,
                           size_t max_positionals, lk_cli_arguments_t *arguments)
{
    char error[256];
    int parsed = lk_cli_parse(argc, argv, options, option_count, max_positionals, arguments,
                              error, sizeof error);
    if (parsed == LK_CLI_PARSE_HELP) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    if (parsed != 0)
        return lk_cli_usage_error("%s: %s", command, error);
    return LK_EXIT_OK;
}

void lk_cli_print_usage(FILE *stream)
{
    fputs("Usage: latchkey COMMAND [ARGUMENTS]\n"
          "\n"
          "Commands:\n"
          "  serve                       run the HTTP server until SIGINT or SIGTERM\n"
          "  migrate                     apply the pending database migrations\n"
          "  keys create [--alg ES256|RS256] [--activate] [--json]\n"
          "                              generate a signing key (ES256 by default); it is\n"
          "                              pending, published but unused, unless --activate\n"
          "  keys activate KID [--json]  make a pending key the signing key and retire the\n"
          "                              current one\n"
          "  keys rotate [--alg ES256|RS256] [--now] [--json]\n"
          "                              publish a new key now and activate it after\n"
          "                              LATCHKEY_KEY_PREPUBLISH_DELAY (a running server does\n"
          "                              it); --now activates at once\n"
          "  keys retire KID [--json]    retire a pending key (never the active key)\n"
          "  keys revoke KID [--json]    unpublish a key at once and erase its private key;\n"
          "                              revoking the active key activates the newest\n"
          "                              pending key, and is refused without one\n"
          "  keys list [--json]          list signing keys with their states and dates\n"
          "  master-key rotate --new-key-file PATH [--json]\n"
          "                              re-seal every private key with the master key in\n"
          "                              PATH (see docs/key-rotation.md for the procedure)\n"
          "  users create EMAIL [--json] create a user; the password is read from standard\n"
          "                              input (one line), or prompted for on a terminal\n"
          "  users disable EMAIL [--json]\n"
          "                              disable a user and revoke their sessions\n"
          "  orgs create SLUG [--name NAME] [--json]\n"
          "                              create an organisation (the name defaults to SLUG)\n"
          "  orgs list [--json]          list organisations with their member counts\n"
          "  orgs add-member SLUG EMAIL --role owner|admin|member [--json]\n"
          "                              add a user to an organisation or change their role\n"
          "  orgs remove-member SLUG EMAIL [--json]\n"
          "                              remove a user from an organisation\n"
          "  orgs members SLUG [--json]  list an organisation's members and roles\n"
          "  clients create NAME --scope SCOPE[,SCOPE...] [--json]\n"
          "                              create a service client and print its id and\n"
          "                              secret once; scopes: tokens:verify, members:read\n"
          "  clients revoke CLIENT_ID [--json]\n"
          "                              revoke a service client\n"
          "  clients list [--json]       list service clients with their scopes\n"
          "  outbox list [--all] [--json] list unsent (or all) outbox messages, such as\n"
          "                              password-reset mails with their links\n"
          "  outbox mark-sent ID [--json] mark a message sent and remove its reset link\n"
          "  outbox watch                print each new message and mark it sent: a\n"
          "                              stand-in mailer for development\n"
          "  help, --help                print this text\n"
          "  --version                   print the version\n"
          "\n"
          "--json prints one JSON document on standard output instead of text.\n"
          "Exit status: 0 success, 1 a failure the message explains how to fix, 2 usage error.\n"
          "\n",
          stream);
    lk_config_print_help(stream);
}

/* Prints "latchkey: " and the formatted message on standard error. */
static void print_message(const char *format, va_list arguments)
{
    fputs("latchkey: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
}

int lk_cli_usage_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    print_message(format, arguments);
    va_end(arguments);
    fputs("Run 'latchkey --help' for usage.\n", stderr);
    return LK_EXIT_USAGE;
}

int lk_cli_fail(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    print_message(format, arguments);
    va_end(arguments);
    return LK_EXIT_FAILURE;
}

static const char *lookup_environment(const char *name, void *context)
{
    (void)context;
    return getenv(name);
}

int lk_cli_load_config(lk_config_t *config, unsigned needs)
{
    char error[512];
    if (lk_config_load(config, needs, lookup_environment, NULL, error, sizeof error) != 0)
        return lk_cli_fail("%s", error);
    lk_log_set_level(config->log_level);
    return LK_EXIT_OK;
}

int lk_cli_connect(const lk_config_t *config, PGconn **connection)
{
    char error[256];
    *connection = lk_db_connect(config->database_url, error, sizeof error);
    if (*connection == NULL)
        return lk_cli_fail("connecting to the database failed: %s. Check LATCHKEY_DATABASE_URL "
                           "and that PostgreSQL is running.",
                           error);
    return LK_EXIT_OK;
}

int lk_cli_with_database(unsigned needs, lk_cli_database_action_fn action, const void *context)
{
    lk_config_t config;
    if (lk_cli_load_config(&config, needs) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    PGconn *connection = NULL;
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK)
        status = action(connection, context);

    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

int lk_cli_store_failure(lk_store_result_t result, const char *action)
{
    if (result == LK_STORE_UNAVAILABLE)
        return lk_cli_fail("%s failed: the database is unavailable or timed out. Check that "
                           "PostgreSQL is running, then retry.",
                           action);
    if (result == LK_STORE_ERROR)
        return lk_cli_fail("%s failed with a database error (logged above). If the schema is "
                           "missing or old, run 'latchkey migrate'.",
                           action);
    return lk_cli_fail("%s failed: %s", action, lk_store_result_name(result));
}

void lk_cli_actor(char *output, size_t size)
{
    struct passwd entry;
    struct passwd *found = NULL;
    char buffer[1024];

    if (getpwuid_r(geteuid(), &entry, buffer, sizeof buffer, &found) == 0 && found != NULL)
        snprintf(output, size, "cli:%s", found->pw_name);
    else
        snprintf(output, size, "cli:uid-%u", (unsigned)geteuid());
}

void lk_cli_format_time(int64_t seconds, char output[LK_CLI_TIME_SIZE])
{
    time_t value = (time_t)seconds;
    struct tm parts;

    if (seconds == 0 || gmtime_r(&value, &parts) == NULL ||
        strftime(output, LK_CLI_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0)
        snprintf(output, LK_CLI_TIME_SIZE, "-");
}

json_t *lk_cli_time_json(int64_t seconds)
{
    if (seconds == 0)
        return json_null();

    char text[LK_CLI_TIME_SIZE];
    lk_cli_format_time(seconds, text);
    return json_string(text);
}

int lk_cli_print_json(json_t *document)
{
    if (document == NULL)
        return lk_cli_fail("building the JSON output failed: out of memory");

    int written = json_dumpf(document, stdout, JSON_COMPACT);
    json_decref(document);
    if (written != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
        return lk_cli_fail("writing to standard output failed");
    return LK_EXIT_OK;
}
