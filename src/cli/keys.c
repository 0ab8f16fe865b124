/* `latchkey keys`: the subcommand dispatch, `keys create` and `keys list`. */
#include "cli/keys.h"

#include "keys/rotation_plan.h"
#include "keys/sealed_key.h"

#include <stdlib.h>
#include <string.h>

enum { CREATE_ALG, CREATE_ACTIVATE, CREATE_JSON };

static const lk_cli_option_t create_options[] = {
    [CREATE_ALG] = {"--alg", true},
    [CREATE_ACTIVATE] = {"--activate", false},
    [CREATE_JSON] = {"--json", false},
};

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Activates the new key `kid` and reports what that did to the previous active key. */
static int activate_new_key(lk_keys_session_t *session, const char *kid,
                            lk_key_change_t *change)
{
    lk_store_result_t result =
        lk_store_signing_key_activate(session->connection, kid,
                                      lk_key_retire_window(&session->config), session->actor,
                                      change);
    if (result != LK_STORE_OK)
        return lk_keys_explain_failure("activate", kid, result, change);
    lk_keys_report_activation(&session->config, change, change->retired[0] != '\0');
    return LK_EXIT_OK;
}

/* Generates, stores and optionally activates a key. */
static int create_key(lk_keys_session_t *session, lk_jwt_alg_t alg, bool activate, bool json)
{
    char error[256];
    lk_sealed_key_t key;
    if (lk_sealed_key_generate(alg, session->master_key, &key, error, sizeof error) != 0)
        return lk_cli_fail("%s", error);

    lk_store_result_t result = lk_store_signing_key_insert(session->connection, &key,
                                                           session->actor);
    char kid[LK_KID_MAX_LENGTH + 1];
    memcpy(kid, key.kid, sizeof kid);
    lk_sealed_key_dispose(&key);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "storing the key");

    lk_key_change_t change;
    memset(&change, 0, sizeof change);
    if (activate) {
        int status = activate_new_key(session, kid, &change);
        if (status != LK_EXIT_OK)
            return status;
    }
    return lk_keys_print_result(session->connection, kid, "created", activate ? &change : NULL,
                                json);
}

static int keys_create(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "keys create", create_options,
                               COUNT_OF(create_options), 0, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    lk_jwt_alg_t alg = LK_ALG_ES256;
    const char *alg_text = arguments.values[CREATE_ALG];
    if (alg_text != NULL && lk_jwt_alg_parse(alg_text, &alg) != 0)
        return lk_cli_usage_error("keys create: invalid value \"%s\" for --alg: expected "
                                  "ES256 or RS256",
                                  alg_text);

    lk_keys_session_t session;
    if (lk_keys_session_open(&session, true) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;
    int status = create_key(&session, alg, arguments.values[CREATE_ACTIVATE] != NULL,
                            arguments.values[CREATE_JSON] != NULL);
    lk_keys_session_close(&session);
    return status;
}

/* Describes the next scheduled change of a key: "activate at T", "remove at T" or "-". */
static void format_next_change(const lk_signing_key_record_t *record, char *output, size_t size)
{
    char time[LK_CLI_TIME_SIZE];
    if (record->state == LK_KEY_PENDING && record->activate_after != 0) {
        lk_cli_format_time(record->activate_after, time);
        snprintf(output, size, "activate at %s", time);
    } else if (record->state == LK_KEY_RETIRED) {
        lk_cli_format_time(record->remove_after, time);
        snprintf(output, size, "remove at %s", time);
    } else {
        snprintf(output, size, "-");
    }
}

#define TABLE_ROW "%-43s  %-5s  %-7s  %-20s  %-20s  %-20s  %-20s  %s\n"

/* Prints the keys as an aligned table, one line each, dates in UTC. ENDED is the time of
 * revocation or removal. */
static void print_key_table(const lk_signing_key_record_t *records, size_t count)
{
    printf(TABLE_ROW, "KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED", "ENDED",
           "NEXT CHANGE");
    for (size_t i = 0; i < count; i++) {
        const lk_signing_key_record_t *record = &records[i];
        char created[LK_CLI_TIME_SIZE];
        char activated[LK_CLI_TIME_SIZE];
        char retired[LK_CLI_TIME_SIZE];
        char ended[LK_CLI_TIME_SIZE];
        char next[64];
        lk_cli_format_time(record->created_at, created);
        lk_cli_format_time(record->activated_at, activated);
        lk_cli_format_time(record->retired_at, retired);
        lk_cli_format_time(record->revoked_at != 0 ? record->revoked_at : record->removed_at,
                           ended);
        format_next_change(record, next, sizeof next);
        printf(TABLE_ROW, record->kid, lk_jwt_alg_name(record->alg),
               lk_key_state_name(record->state), created, activated, retired, ended, next);
    }
}

/* Prints the keys as a JSON array of lk_keys_record_json objects. */
static int print_key_array(const lk_signing_key_record_t *records, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) {
        if (json_array_append_new(array, lk_keys_record_json(&records[i])) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    return lk_cli_print_json(array);
}

static int keys_list(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "keys list", json_options, COUNT_OF(json_options), 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    lk_keys_session_t session;
    if (lk_keys_session_open(&session, false) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    lk_signing_key_record_t *records = NULL;
    size_t count = 0;
    int status = LK_EXIT_OK;
    lk_store_result_t result = lk_store_signing_keys_list_all(session.connection, &records,
                                                              &count);
    if (result != LK_STORE_OK)
        status = lk_cli_store_failure(result, "listing the keys");
    else if (arguments.values[JSON_ONLY] != NULL)
        status = print_key_array(records, count);
    else
        print_key_table(records, count);

    lk_signing_key_records_free(records, count);
    lk_keys_session_close(&session);
    return status;
}

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommand_t;

static const subcommand_t subcommands[] = {
    {"create", keys_create},           {"list", keys_list},
    {"activate", lk_cli_keys_activate}, {"retire", lk_cli_keys_retire},
    {"revoke", lk_cli_keys_revoke},     {"rotate", lk_cli_keys_rotate},
};

#define SUBCOMMAND_NAMES "create, list, activate, retire, revoke or rotate"

int lk_cli_keys(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("keys: missing subcommand (" SUBCOMMAND_NAMES ")");

    const char *name = argv[1];
    for (size_t i = 0; i < COUNT_OF(subcommands); i++) {
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 2, argv + 2);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("keys: unknown subcommand \"%s\": expected " SUBCOMMAND_NAMES,
                              name);
}
