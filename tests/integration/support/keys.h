/*
 * Helpers for the integration tests of signing keys: running `latchkey keys` commands,
 * reading their JSON, reading an instance's JWKS, verifying a token on an instance, and
 * polling until every instance has caught up with a change.
 */
#ifndef LK_TEST_KEYS_H
#define LK_TEST_KEYS_H

#include <stdbool.h>

#include <jansson.h>

#include "support/command.h"

enum { LK_TEST_EXIT_FAILURE = 1, LK_TEST_EXIT_USAGE = 2 };

/* How long every instance gets to pick up a key change: "within seconds". */
enum { LK_TEST_PROPAGATION_MS = 5000 };

/* Runs latchkey with ARGUMENTS and fails the test unless it exits with EXPECTED. The
 * caller disposes RESULT. */
void lk_test_latchkey_expect(const char *const *arguments, int expected,
                             struct lk_test_command_result *result);

/* Runs a command that prints one key with --json (ARGUMENTS must include --json), expects
 * exit status 0 and returns the printed object, which the caller owns. */
json_t *lk_test_keys_command_json(const char *const *arguments);

/* Returns the array that `keys list --json` prints; the caller owns it. */
json_t *lk_test_keys_list(void);

/* Returns the entry of LIST whose kid is KID (borrowed), or NULL. */
json_t *lk_test_key_find(json_t *list, const char *kid);

/* Returns the state of KID as `keys list` reports it, in a new string, or NULL. */
char *lk_test_key_state(const char *kid);

/* Returns the kid of the active key in a new string, failing the test without one. */
char *lk_test_active_kid(void);

/* Retires every pending key, so that a test starts without pending keys. */
void lk_test_retire_pending_keys(void);

/* Returns the kid in TOKEN's header, in a new string. */
char *lk_test_token_kid(const char *token);

/* Returns true when the JWKS served at BASE_URL lists KID. */
bool lk_test_jwks_lists(const char *base_url, const char *kid);

/* Verifies TOKEN at BASE_URL's verify endpoint as the suite's service client and returns
 * its "active" member. */
bool lk_test_token_active_at(const char *base_url, const char *token);

/* Like lk_test_token_active_at, authenticating with CLIENT_HEADER ("Authorization: ..."),
 * for instances with a database of their own. */
bool lk_test_token_active_as(const char *base_url, const char *client_header, const char *token);

/* Calls CONDITION(CONTEXT) every 100 ms until it returns true or TIMEOUT_MS pass.
 * Returns its last result. */
bool lk_test_wait_for(bool (*condition)(void *context), void *context, long timeout_ms);

#endif
