/*
 * `latchkey keys rotate [--alg ES256|RS256] [--now] [--json]`: publishes a new key now
 * and schedules its activation LATCHKEY_KEY_PREPUBLISH_DELAY later, which a running
 * server carries out, so that verifiers that cache the JWKS have the key before it
 * signs. --now activates at once and warns.
 */
#include "cli/keys.h"

#include "keys/rotation_plan.h"
#include "keys/sealed_key.h"

#include <string.h>

enum { ROTATE_ALG, ROTATE_NOW, ROTATE_JSON };

static const lk_cli_option_t rotate_options[] = {
    [ROTATE_ALG] = {"--alg", true},
    [ROTATE_NOW] = {"--now", false},
    [ROTATE_JSON] = {"--json", false},
};

/* The active key and the key with a scheduled activation, "" when none. */
typedef struct key_situation {
    char active[LK_KID_MAX_LENGTH + 1];
    lk_jwt_alg_t active_alg;
    char scheduled[LK_KID_MAX_LENGTH + 1];
    lk_jwt_alg_t scheduled_alg;
    int64_t scheduled_at;
} key_situation_t;

static lk_store_result_t read_situation(PGconn *connection, key_situation_t *situation)
{
    memset(situation, 0, sizeof *situation);
    lk_signing_key_record_t *records = NULL;
    size_t count = 0;
    lk_store_result_t result = lk_store_signing_keys_list_all(connection, &records, &count);

    for (size_t i = 0; result == LK_STORE_OK && i < count; i++) {
        const lk_signing_key_record_t *record = &records[i];
        if (record->state == LK_KEY_ACTIVE) {
            memcpy(situation->active, record->kid, sizeof situation->active);
            situation->active_alg = record->alg;
        }
        if (record->state == LK_KEY_PENDING && record->activate_after != 0) {
            memcpy(situation->scheduled, record->kid, sizeof situation->scheduled);
            situation->scheduled_alg = record->alg;
            situation->scheduled_at = record->activate_after;
        }
    }
    lk_signing_key_records_free(records, count);
    return result;
}

/* With a rotation scheduled already: refuses, or activates that key with --now. */
static int finish_scheduled(lk_keys_session_t *session, const key_situation_t *situation,
                            bool now, bool json)
{
    char when[LK_CLI_TIME_SIZE];
    lk_cli_format_time(situation->scheduled_at, when);
    if (!now)
        return lk_cli_fail("a rotation is scheduled already: key %s becomes active at %s. Wait "
                           "for it, or run 'latchkey keys rotate --now' to activate it at once.",
                           situation->scheduled, when);

    lk_key_change_t change;
    lk_store_result_t result = lk_store_signing_key_activate(
        session->connection, situation->scheduled, lk_key_retire_window(&session->config),
        session->actor, &change);
    if (result != LK_STORE_OK)
        return lk_keys_explain_failure("activate", situation->scheduled, result, &change);
    lk_keys_report_activation(&session->config, &change, change.retired[0] != '\0');
    return lk_keys_print_result(session->connection, situation->scheduled, "activated", &change,
                                json);
}

/* Explains what the new key's schedule means for the operator. */
static void report_schedule(const lk_keys_session_t *session, const key_situation_t *situation,
                            const lk_key_schedule_t *schedule, const char *kid)
{
    if (situation->active[0] == '\0') {
        fprintf(stderr, "latchkey: no key was active, so key %s is active at once\n", kid);
        return;
    }
    if (schedule->delay == 0)
        return;
    fprintf(stderr, "latchkey: key %s is published now and becomes active after "
                    "LATCHKEY_KEY_PREPUBLISH_DELAY (%lld s); a running 'latchkey serve' "
                    "activates it and retires key %s\n",
            kid, (long long)session->config.key_prepublish_delay, situation->active);
}

/* Generates the successor and stores it with its schedule. */
static int create_successor(lk_keys_session_t *session, const key_situation_t *situation,
                            lk_jwt_alg_t alg, bool now, bool json)
{
    char error[256];
    lk_sealed_key_t key;
    if (lk_sealed_key_generate(alg, session->master_key, &key, error, sizeof error) != 0)
        return lk_cli_fail("%s", error);

    bool at_once = now || situation->active[0] == '\0';
    lk_key_schedule_t schedule = {
        .delay = at_once ? 0 : session->config.key_prepublish_delay,
        .expected_active = situation->active,
        .retire_window = lk_key_retire_window(&session->config),
    };
    lk_key_change_t change;
    lk_store_result_t result = lk_store_signing_key_insert_scheduled(
        session->connection, &key, &schedule, session->actor, &change);
    char kid[LK_KID_MAX_LENGTH + 1];
    memcpy(kid, key.kid, sizeof kid);
    lk_sealed_key_dispose(&key);

    if (result == LK_STORE_CONFLICT)
        return lk_cli_fail("the keys changed during the rotation: another rotation was scheduled "
                           "or another key became active. Run 'latchkey keys list' and try "
                           "again.");
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "storing the new key");

    report_schedule(session, situation, &schedule, kid);
    lk_keys_report_activation(&session->config, &change, change.retired[0] != '\0');
    return lk_keys_print_result(session->connection, kid, "created", &change, json);
}

int lk_cli_keys_rotate(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    size_t option_count = sizeof rotate_options / sizeof rotate_options[0];
    if (lk_cli_parse_or_report(argc, argv, "keys rotate", rotate_options, option_count, 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    const char *alg_text = arguments.values[ROTATE_ALG];
    lk_jwt_alg_t alg = LK_ALG_ES256;
    if (alg_text != NULL && lk_jwt_alg_parse(alg_text, &alg) != 0)
        return lk_cli_usage_error("keys rotate: invalid value \"%s\" for --alg: expected "
                                  "ES256 or RS256",
                                  alg_text);
    bool now = arguments.values[ROTATE_NOW] != NULL;
    bool json = arguments.values[ROTATE_JSON] != NULL;

    lk_keys_session_t session;
    if (lk_keys_session_open(&session, true) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    key_situation_t situation;
    int status = LK_EXIT_OK;
    lk_store_result_t result = read_situation(session.connection, &situation);
    if (result != LK_STORE_OK)
        status = lk_cli_store_failure(result, "reading the keys");
    else if (situation.scheduled[0] != '\0' && alg_text != NULL && alg != situation.scheduled_alg)
        status = lk_cli_fail("a rotation to the %s key %s is scheduled already, so --alg %s "
                             "cannot apply. Revoke that key first if a %s key is needed.",
                             lk_jwt_alg_name(situation.scheduled_alg), situation.scheduled,
                             alg_text, alg_text);
    else if (situation.scheduled[0] != '\0')
        status = finish_scheduled(&session, &situation, now, json);
    else
        status = create_successor(&session, &situation,
                                  alg_text != NULL || situation.active[0] == '\0'
                                      ? alg
                                      : situation.active_alg,
                                  now, json);
    lk_keys_session_close(&session);
    return status;
}
