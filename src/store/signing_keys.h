/*
 * Signing keys in PostgreSQL: their states, the row type and the reading side. State
 * changes are in signing_key_changes.h. The life cycle is
 *
 *   pending -> active -> retired -> removed, and pending, active or retired -> revoked.
 *
 * Pending, active and retired keys are published in the JWKS. At most one key is active
 * (a partial unique index enforces it). Every change inserts an audit_events row and
 * sends NOTIFY latchkey_keys, both in the change's transaction, so that every instance
 * reloads its key ring. Synchronous, for worker threads, background threads and the
 * command line.
 */
#ifndef LK_STORE_SIGNING_KEYS_H
#define LK_STORE_SIGNING_KEYS_H

#include "keys/sealed_key.h"
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
    char *private_key_sealed; /* malloc'ed; NULL once revoked or removed */
    int64_t created_at;
    int64_t activated_at;
    int64_t retired_at;
    int64_t revoked_at;
    int64_t removed_at;
    int64_t remove_after;   /* retired keys: when the key is removed */
    int64_t activate_after; /* pending keys: the scheduled activation, 0 when manual */
} lk_signing_key_record_t;

/*
 * Inserts `key` as a pending key without a scheduled activation. `actor` is recorded in
 * the audit event "key.created". Returns LK_STORE_CONFLICT when the kid exists.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_key_insert(
    PGconn *connection, const lk_sealed_key_t *key, const char *actor);

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

/*
 * Reads every key like lk_store_signing_keys_list_all and the database clock, in seconds
 * since the epoch with a fractional part, into `now`. Planning against the database clock
 * keeps instances whose clocks differ in agreement.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_signing_keys_list_with_time(
    PGconn *connection, lk_signing_key_record_t **records, size_t *count, double *now);

/* Frees the strings of one record and zeroes it. */
void lk_signing_key_record_dispose(lk_signing_key_record_t *record);

/* Disposes `count` records and frees the array. Accepts NULL. */
void lk_signing_key_records_free(lk_signing_key_record_t *records, size_t count);

#endif
