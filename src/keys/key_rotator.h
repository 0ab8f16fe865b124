/*
 * A background thread in every server that carries out the signing-key schedule. It
 * activates pending keys whose activation time has come and removes retired keys whose
 * tokens have all expired. When LATCHKEY_KEY_ROTATION_PERIOD is not 0, it also creates
 * the active key's successor one pre-publication delay before the period ends, or a
 * first active key when none is active. The rules are in rotation_plan.h.
 *
 * Schedule: the thread plans against the database clock and wakes at the due time of the
 * next planned change, on every key-change notification, and at least every
 * LATCHKEY_KEY_RELOAD_INTERVAL seconds. Instances share the work through the key-change
 * advisory lock: the one that takes it acts, the others skip that pass, and the store
 * re-checks every step under the lock, so each change happens once.
 */
#ifndef LK_KEYS_KEY_ROTATOR_H
#define LK_KEYS_KEY_ROTATOR_H

#include "config/config.h"
#include "crypto/master_key.h"

typedef struct lk_key_rotator lk_key_rotator_t;

/*
 * Starts the thread. `master_key` seals the keys it creates. Both pointers must outlive
 * the rotator. Returns NULL on failure.
 */
__attribute__((warn_unused_result)) lk_key_rotator_t *lk_key_rotator_start(
    const lk_config_t *config, const lk_master_key_t *master_key);

/* Stops and joins the thread, closes its connection and frees it. Accepts NULL. */
void lk_key_rotator_stop(lk_key_rotator_t *rotator);

#endif
