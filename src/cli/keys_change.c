/* `latchkey keys activate|retire|revoke KID`: changes of one key's state. */
#include "cli/keys.h"

#include "keys/rotation_plan.h"

#include <stdbool.h>
#include <string.h>

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

typedef enum change_kind { CHANGE_ACTIVATE, CHANGE_RETIRE, CHANGE_REVOKE } change_kind_t;

static const char *const command_names[] = {
    [CHANGE_ACTIVATE] = "activate",
    [CHANGE_RETIRE] = "retire",
    [CHANGE_REVOKE] = "revoke",
};

/* Past tenses for the result line ("activated key ..."). */
static const char *const result_verbs[] = {
    [CHANGE_ACTIVATE] = "activated",
    [CHANGE_RETIRE] = "retired",
    [CHANGE_REVOKE] = "revoked",
};

/* Runs the store function of `kind`. */
static lk_store_result_t apply_change(lk_keys_session_t *session, change_kind_t kind,
                                      const char *kid, lk_key_change_t *change)
{
    int64_t window = lk_key_retire_window(&session->config);
    switch (kind) {
    case CHANGE_ACTIVATE:
        return lk_store_signing_key_activate(session->connection, kid, window, session->actor,
                                             change);
    case CHANGE_RETIRE:
        return lk_store_signing_key_retire(session->connection, kid, session->actor, change);
    case CHANGE_REVOKE:
    default:
        return lk_store_signing_key_revoke(session->connection, kid, window, session->actor,
                                           change);
    }
}

/* Says so when the command found the key in the requested state already. */
static void report_unchanged(change_kind_t kind, const char *kid, const lk_key_change_t *change)
{
    static const lk_key_state_t target[] = {
        [CHANGE_ACTIVATE] = LK_KEY_ACTIVE,
        [CHANGE_RETIRE] = LK_KEY_RETIRED,
        [CHANGE_REVOKE] = LK_KEY_REVOKED,
    };
    if (change->state == target[kind])
        fprintf(stderr, "latchkey: key %s is %s already; nothing changed\n", kid,
                lk_key_state_name(change->state));
}

/* Reports what a successful change did besides changing `kid`. */
static void report_change(const lk_keys_session_t *session, change_kind_t kind, const char *kid,
                          const lk_key_change_t *change)
{
    report_unchanged(kind, kid, change);
    if (kind == CHANGE_RETIRE && change->state == LK_KEY_PENDING)
        fprintf(stderr, "latchkey: key %s never signed a token, so a running server removes it "
                        "at its next key rotation pass\n",
                kid);
    if (kind == CHANGE_REVOKE && change->activated[0] != '\0')
        fprintf(stderr, "latchkey: key %s was the active key; key %s is active in its place\n",
                kid, change->activated);
    if (kind == CHANGE_REVOKE && change->state != LK_KEY_REVOKED)
        fprintf(stderr, "latchkey: key %s is unpublished and its private key erased. The verify "
                        "endpoint rejects its tokens within seconds; verifiers that cache the "
                        "JWKS accept them until their copy expires (LATCHKEY_JWKS_MAX_AGE, "
                        "%lld s, if they honour Cache-Control)\n",
                kid, (long long)session->config.jwks_max_age);

    /* A revocation replaced the active key without retiring it. */
    bool replaced_active = change->retired[0] != '\0' ||
                           (kind == CHANGE_REVOKE && change->state == LK_KEY_ACTIVE);
    lk_keys_report_activation(&session->config, change, replaced_active);
}

/* The maximum number of arguments of a key change: KID, --json, --help, "--" and room for a
 * mistake that the parser then reports. */
#define MAX_CHANGE_ARGUMENTS 8

/* Returns true for the arguments that run_change treats as options. */
static bool is_change_option(const char *argument)
{
    return strcmp(argument, "--json") == 0 || strcmp(argument, "--help") == 0 ||
           strcmp(argument, "-h") == 0;
}

/*
 * Puts the options first and every other argument after "--" in `reordered`, which has
 * room for `argc` + 1 entries. A kid is an RFC 7638 thumbprint in base64url, so one in 64
 * starts with "-". These commands take no option but --json and --help, so any other
 * argument is a KID. Returns the new argument count.
 */
static int separate_kid_arguments(int argc, char **argv, char **reordered)
{
    int count = 0;
    for (int i = 0; i < argc; i++) {
        if (is_change_option(argv[i]))
            reordered[count++] = argv[i];
    }

    reordered[count++] = (char *)"--";
    for (int i = 0; i < argc; i++) {
        if (!is_change_option(argv[i]) && strcmp(argv[i], "--") != 0)
            reordered[count++] = argv[i];
    }
    return count;
}

/* Parses `keys <command> KID [--json]` and runs the change. */
static int run_change(change_kind_t kind, int argc, char **argv)
{
    const char *command = command_names[kind];
    char usage_name[32];
    snprintf(usage_name, sizeof usage_name, "keys %s", command);

    if (argc > MAX_CHANGE_ARGUMENTS)
        return lk_cli_usage_error("%s: too many arguments", usage_name);
    char *reordered[MAX_CHANGE_ARGUMENTS + 1];
    int reordered_count = separate_kid_arguments(argc, argv, reordered);
    lk_cli_arguments_t arguments;
    size_t option_count = sizeof json_options / sizeof json_options[0];
    if (lk_cli_parse_or_report(reordered_count, reordered, usage_name, json_options,
                               option_count, 1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("%s: missing KID", usage_name);

    lk_keys_session_t session;
    if (lk_keys_session_open(&session, false) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    const char *kid = arguments.positionals[0];
    lk_key_change_t change;
    lk_store_result_t result = apply_change(&session, kind, kid, &change);
    int status = LK_EXIT_OK;
    if (result != LK_STORE_OK) {
        status = lk_keys_explain_failure(command, kid, result, &change);
    } else {
        report_change(&session, kind, kid, &change);
        status = lk_keys_print_result(session.connection, kid, result_verbs[kind], &change,
                                      arguments.values[JSON_ONLY] != NULL);
    }
    lk_keys_session_close(&session);
    return status;
}

int lk_cli_keys_activate(int argc, char **argv)
{
    return run_change(CHANGE_ACTIVATE, argc, argv);
}

int lk_cli_keys_retire(int argc, char **argv)
{
    return run_change(CHANGE_RETIRE, argc, argv);
}

int lk_cli_keys_revoke(int argc, char **argv)
{
    return run_change(CHANGE_REVOKE, argc, argv);
}
