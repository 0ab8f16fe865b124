/* The `latchkey` command: dispatches to the command groups of src/cli. */
#include "cli/cli.h"
#include "http/serve.h"

#include <stdio.h>
#include <string.h>

/* `latchkey serve`: loads the whole configuration and runs the server. */
static int run_serve(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc - 1, argv + 1, "serve", NULL, 0, 0, &arguments) !=
        LK_EXIT_OK)
        return LK_EXIT_USAGE;

    lk_config_t config;
    unsigned needs = LK_NEED_DATABASE | LK_NEED_REDIS | LK_NEED_MASTER_KEY | LK_NEED_SERVE;
    if (lk_cli_load_config(&config, needs) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    int status = lk_serve(&config) == 0 ? LK_EXIT_OK : LK_EXIT_FAILURE;
    lk_config_dispose(&config);
    return status;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"serve", run_serve},
    {"migrate", lk_cli_migrate},
    {"keys", lk_cli_keys},
    {"master-key", lk_cli_master_key},
    {"users", lk_cli_users},
    {"orgs", lk_cli_orgs},
    {"clients", lk_cli_clients},
    {"outbox", lk_cli_outbox},
};

/* Prints a message and the usage text on standard error. Returns LK_EXIT_USAGE. */
static int usage_error(const char *message, const char *argument)
{
    fprintf(stderr, "latchkey: %s%s\n\n", message, argument);
    lk_cli_print_usage(stderr);
    return LK_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing command", "");

    const char *name = argv[1];
    if (strcmp(name, "--version") == 0) {
        printf("latchkey %s\n", LATCHKEY_VERSION);
        return LK_EXIT_OK;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    if (name[0] == '-')
        return usage_error("unknown option ", name);
    return usage_error("unknown command ", name);
}
