/* `latchkey migrate`: applies the pending database migrations. */
#include "cli/cli.h"

#include "store/migrations.h"

enum { OPTION_JSON };

static const lk_cli_option_t migrate_options[] = {
    [OPTION_JSON] = {"--json", false},
};

/* Applies the migrations and prints how many were applied. */
static int run_migrations(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    bool json = arguments->values[OPTION_JSON] != NULL;
    char error[512];
    int applied = 0;

    if (lk_migrations_apply(connection, &applied, error, sizeof error) != 0)
        return lk_cli_fail("%s. Fix the cause and run 'latchkey migrate' again; "
                           "completed migrations stay applied.",
                           error);

    if (json)
        return lk_cli_print_json(json_pack("{s:i}", "applied", applied));
    if (applied == 0)
        printf("the database schema is up to date\n");
    else
        printf("applied %d migration%s\n", applied, applied == 1 ? "" : "s");
    return LK_EXIT_OK;
}

int lk_cli_migrate(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc - 1, argv + 1, "migrate", migrate_options,
                               sizeof migrate_options / sizeof migrate_options[0], 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    return lk_cli_with_database(LK_NEED_DATABASE, run_migrations, &arguments);
}
