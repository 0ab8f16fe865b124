/*
 * `latchkey master-key rotate --new-key-file PATH [--json]`: re-seals every stored private
 * signing key with the master key in PATH, in one transaction. Keys are opened with
 * LATCHKEY_MASTER_KEY_FILE or LATCHKEY_PREVIOUS_MASTER_KEY_FILE; keys sealed with the new
 * key already are left alone, so the command can run again safely. The operator
 * procedure around it is in docs/key-rotation.md.
 */
#include "cli/cli.h"

#include "crypto/master_key.h"
#include "store/signing_key_changes.h"

#include <string.h>

enum { ROTATE_NEW_KEY_FILE, ROTATE_JSON };

static const lk_cli_option_t rotate_options[] = {
    [ROTATE_NEW_KEY_FILE] = {"--new-key-file", true},
    [ROTATE_JSON] = {"--json", false},
};

/* The master keys of one run: the new one seals, the others only open. */
typedef struct master_keys {
    lk_master_key_t *current;  /* LATCHKEY_MASTER_KEY_FILE */
    lk_master_key_t *previous; /* LATCHKEY_PREVIOUS_MASTER_KEY_FILE, or NULL */
    lk_master_key_t *target;   /* --new-key-file */
} master_keys_t;

/* An lk_reseal_fn: opens `sealed` with any known key and seals it with the target key. */
static int reseal_with_target(const char *kid, const char *sealed, char **resealed,
                              void *context)
{
    const master_keys_t *keys = context;
    uint8_t *plaintext = NULL;
    size_t length = 0;

    if (lk_master_key_open(keys->target, kid, sealed, &plaintext, &length) == 0) {
        lk_secret_free(plaintext);
        return 0;
    }
    if (lk_master_key_open(keys->current, kid, sealed, &plaintext, &length) != 0 &&
        (keys->previous == NULL ||
         lk_master_key_open(keys->previous, kid, sealed, &plaintext, &length) != 0))
        return -1;

    int status = lk_master_key_seal(keys->target, kid, plaintext, length, resealed);
    lk_secret_free(plaintext);
    return status == 0 ? 1 : -1;
}

/* Loads one key file, naming the variable or option in the message on failure. */
static lk_master_key_t *load_key(const char *path, const char *name)
{
    char error[512];
    lk_master_key_t *key = lk_master_key_load(path, error, sizeof error);
    if (key == NULL)
        lk_cli_fail("%s: %s", name, error);
    return key;
}

static int load_keys(const lk_config_t *config, const char *new_key_file, master_keys_t *keys)
{
    memset(keys, 0, sizeof *keys);
    keys->current = load_key(config->master_key_file, "LATCHKEY_MASTER_KEY_FILE");
    if (keys->current != NULL && config->previous_master_key_file != NULL)
        keys->previous =
            load_key(config->previous_master_key_file, "LATCHKEY_PREVIOUS_MASTER_KEY_FILE");
    if (keys->current != NULL &&
        (config->previous_master_key_file == NULL || keys->previous != NULL))
        keys->target = load_key(new_key_file, "--new-key-file");
    return keys->target != NULL ? LK_EXIT_OK : LK_EXIT_FAILURE;
}

static void destroy_keys(master_keys_t *keys)
{
    lk_master_key_destroy(keys->current);
    lk_master_key_destroy(keys->previous);
    lk_master_key_destroy(keys->target);
}

/* Prints the outcome and, on standard error, what the operator does next. */
static int print_outcome(const lk_reseal_report_t *report, const char *target_id,
                         const char *new_key_file, bool json)
{
    fprintf(stderr, "latchkey: every instance must now run with LATCHKEY_MASTER_KEY_FILE=%s. "
                    "Once all do, unset LATCHKEY_PREVIOUS_MASTER_KEY_FILE and destroy the old "
                    "key file.\n",
            new_key_file);
    if (json)
        return lk_cli_print_json(json_pack("{s:I, s:I, s:s}", "resealed",
                                           (json_int_t)report->resealed, "unchanged",
                                           (json_int_t)report->unchanged, "master_key_id",
                                           target_id));
    printf("re-sealed %zu private key(s) with master key %s (%zu sealed with it already)\n",
           report->resealed, target_id, report->unchanged);
    return LK_EXIT_OK;
}

/* Re-seals every key and reports the outcome. */
static int reseal_all(PGconn *connection, master_keys_t *keys, const char *new_key_file,
                      bool json)
{
    char target_id[LK_MASTER_KEY_ID_LENGTH + 1];
    char current_id[LK_MASTER_KEY_ID_LENGTH + 1];
    lk_master_key_id(keys->target, target_id);
    lk_master_key_id(keys->current, current_id);

    char actor[128];
    lk_cli_actor(actor, sizeof actor);
    json_t *details = json_pack("{s:s}", "master_key_id", target_id);
    lk_reseal_report_t report;
    lk_store_result_t result = details != NULL
                                   ? lk_store_signing_keys_reseal(connection, reseal_with_target,
                                                                  keys, actor, details, &report)
                                   : LK_STORE_ERROR;
    json_decref(details);

    if (result == LK_STORE_CONFLICT)
        return lk_cli_fail("the private key of key %s opens with neither LATCHKEY_MASTER_KEY_FILE "
                           "(id %s) nor LATCHKEY_PREVIOUS_MASTER_KEY_FILE nor --new-key-file; "
                           "nothing was changed. Point them at the key file that sealed it.",
                           report.failed, current_id);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "re-sealing the private keys");
    return print_outcome(&report, target_id, new_key_file, json);
}

static int master_key_rotate(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    size_t option_count = sizeof rotate_options / sizeof rotate_options[0];
    if (lk_cli_parse_or_report(argc, argv, "master-key rotate", rotate_options, option_count, 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    const char *new_key_file = arguments.values[ROTATE_NEW_KEY_FILE];
    if (new_key_file == NULL)
        return lk_cli_usage_error("master-key rotate: missing --new-key-file PATH");

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE | LK_NEED_MASTER_KEY) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    master_keys_t keys;
    PGconn *connection = NULL;
    int status = load_keys(&config, new_key_file, &keys);
    if (status == LK_EXIT_OK)
        status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK)
        status = reseal_all(connection, &keys, new_key_file,
                            arguments.values[ROTATE_JSON] != NULL);

    PQfinish(connection);
    destroy_keys(&keys);
    lk_config_dispose(&config);
    return status;
}

int lk_cli_master_key(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("master-key: missing subcommand (rotate)");
    if (strcmp(argv[1], "rotate") == 0)
        return master_key_rotate(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("master-key: unknown subcommand \"%s\": expected rotate", argv[1]);
}
