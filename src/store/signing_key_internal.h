/*
 * Steps shared by the files of src/store that change signing keys: the transaction that
 * holds the key-change lock, audit events and activation. Internal to src/store.
 */
#ifndef LK_STORE_SIGNING_KEY_INTERNAL_H
#define LK_STORE_SIGNING_KEY_INTERNAL_H

#include "store/signing_key_changes.h"

#include <stdbool.h>

/* Starts a transaction and waits for the key-change advisory lock, which it holds until
 * the transaction ends. */
__attribute__((warn_unused_result)) lk_store_result_t lk_key_change_begin(PGconn *connection);

/* Like lk_key_change_begin without waiting: when another transaction holds the lock,
 * rolls back, sets `acquired` to false and returns LK_STORE_OK. */
__attribute__((warn_unused_result)) lk_store_result_t lk_key_change_try_begin(
    PGconn *connection, bool *acquired);

/* Commits when `status` is LK_STORE_OK, rolls back otherwise. Returns the final status. */
lk_store_result_t lk_key_change_finish(PGconn *connection, lk_store_result_t status);

/* Reads the state of `kid` and locks its row. LK_STORE_NOT_FOUND when absent. */
__attribute__((warn_unused_result)) lk_store_result_t lk_key_lock_state(PGconn *connection,
                                                                        const char *kid,
                                                                        lk_key_state_t *state);

/*
 * Makes the pending key `kid` active inside a key-change transaction: retires the
 * active key, if any, with remove_after = now + `retire_window` seconds, cancels every
 * other scheduled activation, records audit events, sends NOTIFY and fills `change`.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_key_activate_locked(
    PGconn *connection, const char *kid, int64_t retire_window, const char *actor,
    lk_key_change_t *change);

#endif
