/* `latchkey keys create|activate|list`: signing-key management. */
#include "cli/cli.h"

#include "crypto/master_key.h"
#include "keys/signing_key.h"
#include "store/signing_keys.h"

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

/* Returns a new JSON object of the public fields of a key (never its sealed private key). */
static json_t *record_json(const lk_signing_key_record_t *record)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "kid", record->kid, "alg",
                     lk_jwt_alg_name(record->alg), "state", lk_key_state_name(record->state),
                     "created_at", lk_cli_time_json(record->created_at), "activated_at",
                     lk_cli_time_json(record->activated_at), "retired_at",
                     lk_cli_time_json(record->retired_at), "revoked_at",
                     lk_cli_time_json(record->revoked_at), "remove_after",
                     lk_cli_time_json(record->remove_after));
}

/* Reads the key `kid` back from the database and prints it as text or JSON. */
static int print_key(PGconn *connection, const char *kid, const char *verb, bool json)
{
    lk_signing_key_record_t record;
    lk_store_result_t result = lk_store_signing_key_find(connection, kid, &record);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "reading the key back");

    int status = LK_EXIT_OK;
    if (json)
        status = lk_cli_print_json(record_json(&record));
    else
        printf("%s key %s (%s, %s)\n", verb, record.kid, lk_jwt_alg_name(record.alg),
               lk_key_state_name(record.state));
    lk_signing_key_record_dispose(&record);
    return status;
}

/*
 * Generates a key pair, derives its kid and seals the private PEM with the master key
 * (kid as associated data). The plaintext private PEM is wiped before returning.
 * Returns 0, or -1 after printing why.
 */
static int generate_sealed_key(lk_jwt_alg_t alg, const lk_master_key_t *master_key,
                               char kid[LK_KID_MAX_LENGTH + 1], char **public_pem,
                               char **sealed)
{
    char *private_pem = NULL;
    *public_pem = NULL;
    *sealed = NULL;

    int status = lk_keypair_generate(alg, &private_pem, public_pem);
    if (status != 0)
        lk_cli_fail("generating an %s key pair failed", lk_jwt_alg_name(alg));
    if (status == 0 && (status = lk_jwk_thumbprint(alg, *public_pem, kid)) != 0)
        lk_cli_fail("computing the key id failed");
    if (status == 0 &&
        (status = lk_master_key_seal(master_key, kid, (const uint8_t *)private_pem,
                                     strlen(private_pem), sealed)) != 0)
        lk_cli_fail("sealing the private key with the master key failed");
    lk_secret_string_free(private_pem);

    if (status != 0) {
        free(*public_pem);
        *public_pem = NULL;
    }
    return status;
}

/* Activates `kid`, explaining a failure in the operator's terms. */
static int activate_key(PGconn *connection, const lk_config_t *config, const char *kid)
{
    char actor[128];
    lk_cli_actor(actor, sizeof actor);

    lk_store_result_t result =
        lk_store_signing_key_activate(connection, kid, config->access_token_ttl, actor);
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no key has the kid \"%s\". Run 'latchkey keys list' to see the "
                           "keys.",
                           kid);
    if (result == LK_STORE_CONFLICT)
        return lk_cli_fail("key %s is not pending, and only a pending key can be activated. "
                           "Create a new one with 'latchkey keys create --activate'.",
                           kid);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "activating the key");
    return LK_EXIT_OK;
}

/* Generates, stores and optionally activates a key. */
static int create_key(PGconn *connection, const lk_config_t *config,
                      const lk_master_key_t *master_key, lk_jwt_alg_t alg, bool activate,
                      bool json)
{
    char kid[LK_KID_MAX_LENGTH + 1];
    char *public_pem = NULL;
    char *sealed = NULL;
    if (generate_sealed_key(alg, master_key, kid, &public_pem, &sealed) != 0)
        return LK_EXIT_FAILURE;

    char actor[128];
    lk_cli_actor(actor, sizeof actor);
    lk_store_result_t result =
        lk_store_signing_key_insert(connection, kid, alg, public_pem, sealed, actor);
    free(public_pem);
    free(sealed);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "storing the key");

    if (activate) {
        int status = activate_key(connection, config, kid);
        if (status != LK_EXIT_OK)
            return status;
    }
    return print_key(connection, kid, "created", json);
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

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE | LK_NEED_MASTER_KEY) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    char error[512];
    PGconn *connection = NULL;
    lk_master_key_t *master_key = lk_master_key_load(config.master_key_file, error, sizeof error);
    int status = LK_EXIT_OK;
    if (master_key == NULL)
        status = lk_cli_fail("%s", error);
    if (status == LK_EXIT_OK)
        status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK)
        status = create_key(connection, &config, master_key, alg,
                            arguments.values[CREATE_ACTIVATE] != NULL,
                            arguments.values[CREATE_JSON] != NULL);

    PQfinish(connection);
    lk_master_key_destroy(master_key);
    lk_config_dispose(&config);
    return status;
}

static int keys_activate(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "keys activate", json_options, COUNT_OF(json_options),
                               1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("keys activate: missing KID");

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    const char *kid = arguments.positionals[0];
    PGconn *connection = NULL;
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK)
        status = activate_key(connection, &config, kid);
    if (status == LK_EXIT_OK)
        status = print_key(connection, kid, "activated", arguments.values[JSON_ONLY] != NULL);

    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

/* Prints the keys as an aligned table, one line each, dates in UTC. */
static void print_key_table(const lk_signing_key_record_t *records, size_t count)
{
    printf("%-43s  %-5s  %-7s  %-20s  %-20s  %-20s  %s\n", "KID", "ALG", "STATE", "CREATED",
           "ACTIVATED", "RETIRED", "REMOVE AFTER");
    for (size_t i = 0; i < count; i++) {
        char created[LK_CLI_TIME_SIZE];
        char activated[LK_CLI_TIME_SIZE];
        char retired[LK_CLI_TIME_SIZE];
        char remove_after[LK_CLI_TIME_SIZE];
        lk_cli_format_time(records[i].created_at, created);
        lk_cli_format_time(records[i].activated_at, activated);
        lk_cli_format_time(records[i].retired_at, retired);
        lk_cli_format_time(records[i].remove_after, remove_after);
        printf("%-43s  %-5s  %-7s  %-20s  %-20s  %-20s  %s\n", records[i].kid,
               lk_jwt_alg_name(records[i].alg), lk_key_state_name(records[i].state), created,
               activated, retired, remove_after);
    }
}

/* Prints the keys as a JSON array of record_json objects. */
static int print_key_array(const lk_signing_key_record_t *records, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) {
        if (json_array_append_new(array, record_json(&records[i])) != 0) {
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

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    PGconn *connection = NULL;
    lk_signing_key_record_t *records = NULL;
    size_t count = 0;
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK) {
        lk_store_result_t result = lk_store_signing_keys_list_all(connection, &records, &count);
        if (result != LK_STORE_OK)
            status = lk_cli_store_failure(result, "listing the keys");
    }
    if (status == LK_EXIT_OK && arguments.values[JSON_ONLY] != NULL)
        status = print_key_array(records, count);
    else if (status == LK_EXIT_OK)
        print_key_table(records, count);

    lk_signing_key_records_free(records, count);
    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

int lk_cli_keys(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("keys: missing subcommand (create, activate or list)");

    const char *subcommand = argv[1];
    if (strcmp(subcommand, "create") == 0)
        return keys_create(argc - 2, argv + 2);
    if (strcmp(subcommand, "activate") == 0)
        return keys_activate(argc - 2, argv + 2);
    if (strcmp(subcommand, "list") == 0)
        return keys_list(argc - 2, argv + 2);
    if (strcmp(subcommand, "--help") == 0 || strcmp(subcommand, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("keys: unknown subcommand \"%s\": expected create, activate or "
                              "list",
                              subcommand);
}
