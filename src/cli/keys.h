/*
 * Helpers shared by the files of `latchkey keys`: a command's connection and
 * configuration, printing keys, and explaining refused changes. Internal to src/cli.
 */
#ifndef LK_CLI_KEYS_H
#define LK_CLI_KEYS_H

#include "cli/cli.h"
#include "crypto/master_key.h"
#include "store/signing_key_changes.h"

#include <stdbool.h>

/* What every key command opens: the configuration, a connection and, when asked for,
 * the master key. */
typedef struct lk_keys_session {
    lk_config_t config;
    PGconn *connection;
    lk_master_key_t *master_key; /* NULL unless requested */
    char actor[128];             /* the audit actor of this command */
} lk_keys_session_t;

/*
 * Loads the configuration, connects and, with `master_key`, loads the master key. On
 * failure prints why, disposes what was opened and returns LK_EXIT_FAILURE.
 */
__attribute__((warn_unused_result)) int lk_keys_session_open(lk_keys_session_t *session,
                                                             bool master_key);

/* Closes everything lk_keys_session_open opened. */
void lk_keys_session_close(lk_keys_session_t *session);

/* Returns a new JSON object of the public fields of a key (never its sealed private key). */
json_t *lk_keys_record_json(const lk_signing_key_record_t *record);

/*
 * Reads the key `kid` back and prints "<verb> key <kid> (<alg>, <state>)" or, with
 * `json`, its record with "retired_key" and "activated_key" from `change` (NULL for
 * none) added. Returns an exit code.
 */
int lk_keys_print_result(PGconn *connection, const char *kid, const char *verb,
                         const lk_key_change_t *change, bool json);

/*
 * Prints on standard error what an activation did to other keys: the retired key with
 * its removal time, and cancelled schedules. Warns when the activated key replaced an
 * active key after less than LATCHKEY_KEY_PREPUBLISH_DELAY of publication, because
 * verifiers that cache the JWKS may not have it yet.
 */
void lk_keys_report_activation(const lk_config_t *config, const lk_key_change_t *change,
                               bool replaced_active);

/*
 * Prints why a change of `kid` failed, in the operator's terms, for a result of the
 * change functions of signing_key_changes.h. `command` is "activate", "retire" or
 * "revoke". Returns LK_EXIT_FAILURE.
 */
int lk_keys_explain_failure(const char *command, const char *kid, lk_store_result_t result,
                            const lk_key_change_t *change);

/* The subcommands in keys_change.c and keys_rotate.c. `argv[0]` is the first argument
 * after the subcommand name. */
int lk_cli_keys_activate(int argc, char **argv);
int lk_cli_keys_retire(int argc, char **argv);
int lk_cli_keys_revoke(int argc, char **argv);
int lk_cli_keys_rotate(int argc, char **argv);

#endif
