/* Pruning ended sessions and expired sealed successors; see session_prune.h. */
#include "store/session_prune.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock key: the ASCII bytes of "lk-prune" read as a big-endian bigint. */
#define PRUNE_LOCK_KEY "7812387939584142949"

/* least() ignores NULL, so a session's end is its revocation or its first deadline. The
 * expression matches the index sessions_ended_at of the migrations. */
#define PRUNE_SESSIONS_SQL                                                                  \
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions"                             \
    " WHERE least(revoked_at, expires_at, idle_expires_at)"                                 \
    " < now() - make_interval(secs => $1::bigint) LIMIT $2::bigint)"

#define CLEAR_SUCCESSORS_SQL                                                                \
    "UPDATE refresh_tokens SET successor_sealed = NULL WHERE id IN ("                      \
    " SELECT id FROM refresh_tokens WHERE successor_sealed IS NOT NULL"                     \
    " AND used_at < now() - make_interval(secs => $1::bigint) LIMIT $2::bigint)"

lk_store_result_t lk_store_prune_lock_try(PGconn *connection, bool *locked)
{
    *locked = false;
    PGresult *result = lk_db_query(connection,
                                   "SELECT pg_try_advisory_lock(" PRUNE_LOCK_KEY ")", 0, NULL);
    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "take the prune lock");
    if (status == LK_STORE_OK)
        *locked = strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    PQclear(result);
    return status;
}

void lk_store_prune_unlock(PGconn *connection)
{
    lk_store_result_t status =
        lk_db_command(connection, "SELECT pg_advisory_unlock(" PRUNE_LOCK_KEY ")", 0, NULL,
                      PGRES_TUPLES_OK, "release the prune lock");
    (void)status; /* logged by lk_db_command; the lock ends with the connection anyway */
}

/* Runs a batch statement with two bigint parameters and stores its row count. */
static lk_store_result_t run_batch(PGconn *connection, const char *sql, int64_t first,
                                   int64_t limit, const char *context, int64_t *affected)
{
    char first_text[24];
    char limit_text[24];
    snprintf(first_text, sizeof first_text, "%" PRId64, first);
    snprintf(limit_text, sizeof limit_text, "%" PRId64, limit);
    *affected = 0;

    const char *values[] = {first_text, limit_text};
    PGresult *result = lk_db_query(connection, sql, 2, values);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_COMMAND_OK, context);
    if (status == LK_STORE_OK)
        *affected = strtoll(PQcmdTuples(result), NULL, 10);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_sessions_prune(PGconn *connection, int64_t retention_seconds,
                                          int64_t limit, int64_t *deleted)
{
    return run_batch(connection, PRUNE_SESSIONS_SQL, retention_seconds, limit,
                     "prune ended sessions", deleted);
}

lk_store_result_t lk_store_successors_clear(PGconn *connection, int64_t grace_seconds,
                                            int64_t limit, int64_t *cleared)
{
    return run_batch(connection, CLEAR_SUCCESSORS_SQL, grace_seconds, limit,
                     "clear sealed successors", cleared);
}
