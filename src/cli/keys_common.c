/* Helpers shared by the `latchkey keys` subcommands; see keys.h. */
#include "cli/keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int lk_keys_session_open(lk_keys_session_t *session, bool master_key)
{
    memset(session, 0, sizeof *session);
    unsigned needs = LK_NEED_DATABASE | (master_key ? LK_NEED_MASTER_KEY : 0u);
    if (lk_cli_load_config(&session->config, needs) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;
    lk_cli_actor(session->actor, sizeof session->actor);

    if (master_key) {
        char error[512];
        session->master_key =
            lk_master_key_load(session->config.master_key_file, error, sizeof error);
        if (session->master_key == NULL) {
            lk_config_dispose(&session->config);
            return lk_cli_fail("LATCHKEY_MASTER_KEY_FILE: %s", error);
        }
    }

    if (lk_cli_connect(&session->config, &session->connection) != LK_EXIT_OK) {
        lk_master_key_destroy(session->master_key);
        lk_config_dispose(&session->config);
        return LK_EXIT_FAILURE;
    }
    return LK_EXIT_OK;
}

void lk_keys_session_close(lk_keys_session_t *session)
{
    PQfinish(session->connection);
    lk_master_key_destroy(session->master_key);
    lk_config_dispose(&session->config);
    memset(session, 0, sizeof *session);
}

json_t *lk_keys_record_json(const lk_signing_key_record_t *record)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "kid", record->kid,
                     "alg", lk_jwt_alg_name(record->alg), "state",
                     lk_key_state_name(record->state), "created_at",
                     lk_cli_time_json(record->created_at), "activated_at",
                     lk_cli_time_json(record->activated_at), "retired_at",
                     lk_cli_time_json(record->retired_at), "revoked_at",
                     lk_cli_time_json(record->revoked_at), "removed_at",
                     lk_cli_time_json(record->removed_at), "remove_after",
                     lk_cli_time_json(record->remove_after), "activate_after",
                     lk_cli_time_json(record->activate_after));
}

/* Returns a JSON string of `kid`, or JSON null for "". */
static json_t *kid_json(const char *kid)
{
    return kid[0] != '\0' ? json_string(kid) : json_null();
}

int lk_keys_print_result(PGconn *connection, const char *kid, const char *verb,
                         const lk_key_change_t *change, bool json)
{
    lk_signing_key_record_t record;
    lk_store_result_t result = lk_store_signing_key_find(connection, kid, &record);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "reading the key back");

    int status = LK_EXIT_OK;
    if (json) {
        json_t *document = lk_keys_record_json(&record);
        if (document != NULL && change != NULL &&
            (json_object_set_new(document, "retired_key", kid_json(change->retired)) != 0 ||
             json_object_set_new(document, "activated_key", kid_json(change->activated)) != 0)) {
            json_decref(document);
            document = NULL;
        }
        status = lk_cli_print_json(document);
    } else {
        printf("%s key %s (%s, %s)\n", verb, record.kid, lk_jwt_alg_name(record.alg),
               lk_key_state_name(record.state));
    }
    lk_signing_key_record_dispose(&record);
    return status;
}

void lk_keys_report_activation(const lk_config_t *config, const lk_key_change_t *change,
                               bool replaced_active)
{
    if (change->retired[0] != '\0') {
        char remove_after[LK_CLI_TIME_SIZE];
        lk_cli_format_time(change->remove_after, remove_after);
        fprintf(stderr, "latchkey: key %s is retired: it stays published until %s, when every "
                        "token it signed has expired\n",
                change->retired, remove_after);
    }
    if (change->cancelled > 0)
        fprintf(stderr, "latchkey: cancelled %zu scheduled activation(s) of other keys\n",
                change->cancelled);

    if (replaced_active && change->activated[0] != '\0' &&
        change->activated_published_for < config->key_prepublish_delay)
        fprintf(stderr,
                "latchkey: warning: key %s was published only %" PRId64 " s before it became "
                "active, less than LATCHKEY_KEY_PREPUBLISH_DELAY (%" PRId64 " s). Verifiers "
                "that cached the JWKS earlier may reject its tokens until they fetch it again "
                "(within LATCHKEY_JWKS_MAX_AGE, %" PRId64 " s, if they honour Cache-Control).\n",
                change->activated, change->activated_published_for,
                config->key_prepublish_delay, config->jwks_max_age);
}

/* Explains a refused change of the active key. */
static int explain_active(const char *command, const char *kid)
{
    if (strcmp(command, "retire") == 0)
        return lk_cli_fail("refusing to retire key %s: it is the active key, and retiring it "
                           "would leave no key to sign tokens. Activate its successor instead "
                           "('latchkey keys rotate', or 'latchkey keys activate KID' for a "
                           "pending key), which retires %s.",
                           kid, kid);
    return lk_cli_fail("refusing to revoke key %s: it is the active key and no pending key can "
                       "take over, so revoking it would leave no key to sign tokens. Create a "
                       "successor first with 'latchkey keys create' (or 'keys create "
                       "--activate'), then run 'latchkey keys revoke %s' again.",
                       kid, kid);
}

int lk_keys_explain_failure(const char *command, const char *kid, lk_store_result_t result,
                            const lk_key_change_t *change)
{
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no key has the kid \"%s\". Run 'latchkey keys list' to see the "
                           "keys.",
                           kid);
    if (result != LK_STORE_CONFLICT)
        return lk_cli_store_failure(result, "changing the key");

    const char *state = lk_key_state_name(change->state);
    if (change->state == LK_KEY_ACTIVE)
        return explain_active(command, kid);
    if (strcmp(command, "activate") == 0)
        return lk_cli_fail("refusing to activate key %s: it is %s, and only a pending key can "
                           "be activated. Create a new one with 'latchkey keys rotate'.",
                           kid, state);
    return lk_cli_fail("refusing to %s key %s: it is %s already, so it is no longer published "
                       "and cannot change state.",
                       command, kid, state);
}
