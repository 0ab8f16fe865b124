/*
 * The timing rules of signing-key rotation, as pure functions of the key rows, the
 * database clock and the configuration, so that every rule has a unit test. The key
 * rotator (key_rotator.h) carries out the plan. The store re-checks every step under the
 * key-change lock, so a plan made by two instances at once is carried out once.
 *
 * Timing rules (all in seconds):
 *   - pre-publication: a new key is published LATCHKEY_KEY_PREPUBLISH_DELAY before it
 *     signs. The configuration requires at least JWKS max-age + reload interval: an
 *     instance that missed the change notification publishes the key within one reload
 *     interval, and a verifier that fetched the JWKS just before holds it for max-age.
 *   - rotation: LATCHKEY_KEY_ROTATION_PERIOD after a key became active, its successor
 *     becomes active. The successor is created one pre-publication delay earlier.
 *   - retirement window: access-token TTL + reload interval + LATCHKEY_KEY_RETIRE_LEEWAY.
 *     A token signed by the retired key expires within one TTL, except that an instance
 *     may keep signing with it for up to one reload interval after the change; the
 *     leeway covers verifiers' clock skew.
 */
#ifndef LK_KEYS_ROTATION_PLAN_H
#define LK_KEYS_ROTATION_PLAN_H

#include "config/config.h"
#include "store/signing_keys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the seconds a retired key stays published: TTL + reload interval + leeway. */
int64_t lk_key_retire_window(const lk_config_t *config);

typedef enum lk_key_creation {
    LK_CREATE_NONE = 0,
    LK_CREATE_SCHEDULED, /* the active key's successor, activated later */
    LK_CREATE_ACTIVE,    /* no key is active: create one and activate it at once */
} lk_key_creation_t;

typedef struct lk_rotation_plan {
    bool run_due;                /* a scheduled activation or a removal is due */
    lk_key_creation_t create;
    lk_jwt_alg_t alg;            /* of the new key: the active key's, ES256 without one */
    char expected_active[LK_KID_MAX_LENGTH + 1]; /* the active kid planned for, "" */
    int64_t not_before;          /* LK_CREATE_SCHEDULED: activation no earlier than this */
    double next_due;             /* the earliest planned change after `now`, 0 for none */
} lk_rotation_plan_t;

/*
 * Plans what is due at `now` (database clock, seconds since the epoch) for `records`
 * (every key): due activations and removals, and, when `rotation_period` is not 0, the
 * creation of the active key's successor or of a first active key. Pure.
 */
void lk_rotation_plan_make(const lk_signing_key_record_t *records, size_t count, double now,
                           int64_t rotation_period, int64_t prepublish_delay,
                           lk_rotation_plan_t *plan);

#endif
