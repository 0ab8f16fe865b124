/*
 * Deleting what ended sessions and used refresh tokens leave behind, in bounded batches.
 * Synchronous, for the session pruner's thread.
 */
#ifndef LK_STORE_SESSION_PRUNE_H
#define LK_STORE_SESSION_PRUNE_H

#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Tries to take the session-level advisory lock that lets one server at a time prune.
 * Sets `locked`. The lock lasts until lk_store_prune_unlock or the end of the connection.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_prune_lock_try(
    PGconn *connection, bool *locked);

/* Releases the lock taken by lk_store_prune_lock_try. Failures are logged. */
void lk_store_prune_unlock(PGconn *connection);

/*
 * Deletes at most `limit` sessions that ended (were revoked, or passed their idle or
 * absolute deadline) more than `retention_seconds` ago, with their refresh tokens.
 * Stores how many were deleted in `deleted`.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_sessions_prune(
    PGconn *connection, int64_t retention_seconds, int64_t limit, int64_t *deleted);

/*
 * Clears the sealed successor of at most `limit` refresh tokens rotated more than
 * `grace_seconds` ago, since no retry can open it any more. Stores how many were
 * cleared in `cleared`.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_successors_clear(
    PGconn *connection, int64_t grace_seconds, int64_t limit, int64_t *cleared);

#endif
