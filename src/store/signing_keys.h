/*
 * Signing keys in PostgreSQL and their life cycle:
 *
 *   pending -> active -> retired -> removed, and any published state -> revoked.
 *
 * Pending, active and retired keys are published in the JWKS. Exactly one key at most is
 * active (a partial unique index enforces it). Every change here also inserts an
 * audit_events row and sends NOTIFY latchkey_keys, both in the change's transaction, so
 * other instances reload their key rings. Synchronous, for worker threads and the
 * command line.
 */
#ifndef LK_STORE_SIGNING_KEYS_H
#define LK_STORE_SIGNING_KEYS_H

#include "keys/signing_key.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lk_key_state {
    LK_KEY_PENDING = 0,
    LK_KEY_ACTIVE,
    LK_KEY_RETIRED,
    LK_KEY_REVOKED,
    LK_KEY_REMOVED,
} lk_key_state_t;

/* How long after retirement a key stays published beyond the access-token TTL. */
#define LK_KEY_RETIRE_LEEWAY_SECONDS 300

/* Returns the state's name as stored ("pending"), or "unknown" for a value out of range. */
const char *lk_key_state_name(lk_key_state_t state);

/* Parses a stored state name (exact case). Returns 0, or -1 for any other text. */
__attribute__((warn_unused_result)) int lk_key_state_parse(const char *text,
                                                           lk_key_state_t *state);

/* One signing_keys row. Times are seconds since the epoch, 0 when NULL. */
typedef struct lk_signing_key_record {
    char kid[LK_KID_MAX_LENGTH + 1];
    lk_jwt_alg_t alg;
    lk_key_state_t state;
    char *public_key_pem;     /* malloc'ed */
    char *private_key_sealed; /* malloc'ed; NULL once removed */
    int64_t created_at;
    int64_t activated_at;
    int64_t retired_at;
    int64_t revoked_at;
    int64_t remove_after;
} lk_signing_key_record_t;

/*
 * Inserts a pending key. `private_key_sealed` is the output of lk_master_key_seal with
 * the kid as associated data. `actor` is recorded in the audit event "key.created".
 * Returns LK_STORE_CONFLICT when the kid exists.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_insert(
    PGconn *connection, const char *kid, lk_jwt_alg_t alg, const char *public_key_pem,
    const char *private_key_sealed, const char *actor);

/*
 * Makes the pending key `kid` active in one transaction: the currently active key, if
 * any, becomes retired with remove_after = now + access_token_ttl +
 * LK_KEY_RETIRE_LEEWAY_SECONDS, so that tokens it signed can still be verified until
 * they expire. Activating the active key again succeeds and changes nothing. Concurrent
 * key changes are serialised by a transaction-level advisory lock. Returns
 * LK_STORE_NOT_FOUND for an unknown kid and LK_STORE_CONFLICT for a key that is neither
 * pending nor active.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_activate(
    PGconn *connection, const char *kid, int64_t access_token_ttl, const char *actor);

/* Reads the key `kid` into `record`, which the caller disposes. LK_STORE_NOT_FOUND if absent. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_find(
    PGconn *connection, const char *kid, lk_signing_key_record_t *record);

/*
 * Reads every key, oldest first, into a malloc'ed array stored in `records` with its
 * length in `count`; the caller frees it with lk_signing_key_records_free.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_keys_list_all(
    PGconn *connection, lk_signing_key_record_t **records, size_t *count);

/* Like lk_store_signing_keys_list_all, but only published keys (pending, active, retired). */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_keys_list_published(
    PGconn *connection, lk_signing_key_record_t **records, size_t *count);

/* Frees the strings of one record and zeroes it. */
void lk_signing_key_record_dispose(lk_signing_key_record_t *record);

/* Disposes `count` records and frees the array. Accepts NULL. */
void lk_signing_key_records_free(lk_signing_key_record_t *records, size_t count);

#endif
