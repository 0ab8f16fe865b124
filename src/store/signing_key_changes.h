/*
 * Changes of signing-key state, each in one transaction that holds the key-change
 * advisory lock, so that the command line and the key rotators of every instance never
 * interleave. Each change records audit events and sends NOTIFY latchkey_keys before it
 * commits. The rules that keep a signing key available:
 *
 *   - Activating a key retires the active one, which stays published for
 *     `retire_window` seconds (the caller passes lk_key_retire_window) so that the
 *     tokens it signed still verify until they expire.
 *   - The active key cannot be retired: activating its successor retires it.
 *   - Revoking the active key activates the newest pending key in the same transaction,
 *     and is refused when there is none.
 *   - A revoked key is unpublished and its sealed private key wiped at once.
 *
 * Synchronous; never on an event-loop thread.
 */
#ifndef LK_STORE_SIGNING_KEY_CHANGES_H
#define LK_STORE_SIGNING_KEY_CHANGES_H

#include "store/signing_keys.h"

#include <jansson.h>
#include <stdbool.h>

/* What a change did, for the command line's messages and the rotator's log. */
typedef struct lk_key_change {
    lk_key_state_t state;                  /* the named key's state before the change */
    char activated[LK_KID_MAX_LENGTH + 1]; /* the key that became active, "" when none */
    char retired[LK_KID_MAX_LENGTH + 1];   /* the key that the activation retired, "" */
    int64_t activated_published_for;       /* seconds the activated key had been published */
    int64_t remove_after;                  /* when a key retired here will be removed */
    size_t cancelled;                      /* scheduled activations cancelled */
} lk_key_change_t;

/*
 * Activates the pending key `kid`. Activating the active key again changes nothing.
 * Returns LK_STORE_NOT_FOUND for an unknown kid and LK_STORE_CONFLICT for a key that is
 * neither pending nor active. change->state is the state found.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_activate(
    PGconn *connection, const char *kid, int64_t retire_window, const char *actor,
    lk_key_change_t *change);

/*
 * Retires the pending key `kid`, which never signed, so that the rotator's next pass
 * removes it. Retiring a retired key changes nothing. Returns LK_STORE_CONFLICT for the
 * active key, because retiring it would leave no signing key (activating a successor
 * retires it), and for a revoked or removed key.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_retire(
    PGconn *connection, const char *kid, const char *actor, lk_key_change_t *change);

/*
 * Revokes `kid`: unpublished and its private key wiped at once. When it is the active
 * key, the newest pending key becomes active in the same transaction (change->activated).
 * Revoking a revoked key changes nothing. Returns LK_STORE_CONFLICT for the active key
 * when no pending key exists, and for a removed key.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_revoke(
    PGconn *connection, const char *kid, int64_t retire_window, const char *actor,
    lk_key_change_t *change);

/* When a key inserted by lk_store_signing_key_insert_scheduled becomes active. */
typedef struct lk_key_schedule {
    int64_t delay;               /* seconds from now; 0 with not_before 0 activates at once */
    int64_t not_before;          /* seconds since the epoch, or 0: activate no earlier */
    const char *expected_active; /* the active kid the caller planned for, "" for none */
    int64_t retire_window;       /* for an activation at once */
} lk_key_schedule_t;

/*
 * Inserts `key` as the next signing key: pending with activate_after =
 * max(now + delay, not_before), or active at once when both are 0. Returns
 * LK_STORE_CONFLICT, inserting nothing, when another key already has a scheduled
 * activation or the active key is no longer schedule->expected_active, so that two
 * rotators or a rotator and an operator never schedule two rotations.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_insert_scheduled(
    PGconn *connection, const lk_sealed_key_t *key, const lk_key_schedule_t *schedule,
    const char *actor, lk_key_change_t *change);

/* What lk_store_signing_keys_run_due did. */
typedef struct lk_key_due_work {
    bool lock_busy;             /* another transaction held the lock: nothing was done */
    lk_key_change_t activation; /* activation.activated is "" when none was due */
    size_t removed;             /* retired keys removed */
} lk_key_due_work_t;

/*
 * Carries out what is due without waiting for the key-change lock: activates the newest
 * pending key whose activation time has come, and removes every retired key whose
 * remove_after has passed (state removed, private key wiped, unpublished).
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_keys_run_due(
    PGconn *connection, int64_t retire_window, const char *actor, lk_key_due_work_t *work);

/*
 * Re-seals one private key: stores a new malloc'ed sealed text in `resealed` and returns
 * 1, returns 0 when `sealed` is already sealed with the new master key, or -1 when it
 * cannot be opened.
 */
typedef int (*lk_reseal_fn)(const char *kid, const char *sealed, char **resealed,
                            void *context);

/* What lk_store_signing_keys_reseal did. */
typedef struct lk_reseal_report {
    size_t resealed;
    size_t unchanged;                   /* already sealed with the new master key */
    char failed[LK_KID_MAX_LENGTH + 1]; /* the key that could not be opened, "" */
} lk_reseal_report_t;

/*
 * Re-seals every stored private key with `reseal` in one transaction, and records the
 * audit event "master_key.rotated" with `details` (borrowed, no secrets). When one key
 * cannot be opened, changes nothing and returns LK_STORE_CONFLICT with its kid in
 * report->failed.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_keys_reseal(
    PGconn *connection, lk_reseal_fn reseal, void *context, const char *actor, json_t *details,
    lk_reseal_report_t *report);

#endif
