/*
 * Loading the key ring from PostgreSQL, and telling other instances that keys changed.
 * Both block on the database, so they run at start-up, on worker threads or in the
 * command line, never on an event-loop thread.
 */
#ifndef LK_KEYS_KEYRING_LOADER_H
#define LK_KEYS_KEYRING_LOADER_H

#include "crypto/master_key.h"
#include "keys/keyring.h"
#include "store/db.h"

#include <stddef.h>

/* The channel of NOTIFY messages sent after every key change. */
#define LK_KEYS_CHANNEL "latchkey_keys"

/*
 * Builds a frozen ring from the published keys (pending, active, retired). Only the
 * active key gets its private half: its sealed PEM is opened with `master_key`, or with
 * `previous_master_key` (NULL when none is configured) while a master-key rotation is
 * under way, with the kid as associated data, then parsed and wiped. Returns the ring
 * (one reference, for the caller), or NULL with a one-line reason in `error` when the
 * database fails, a key does not parse or the active key cannot be opened (a wrong
 * master key). A ring without an active key is valid: it verifies but cannot sign.
 */
__attribute__((warn_unused_result)) lk_keyring_t *lk_keyring_load(
    PGconn *connection, const lk_master_key_t *master_key,
    const lk_master_key_t *previous_master_key, char *error, size_t error_size);

/*
 * Sends NOTIFY latchkey_keys. Inside a transaction the notification is delivered at
 * COMMIT and dropped on rollback. The store calls this on every key change.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_keys_notify(PGconn *connection);

#endif
