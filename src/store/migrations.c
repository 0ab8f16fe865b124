/*
 * The migration runner. It serialises concurrent runs with a session-level advisory
 * lock and applies each pending migration in its own transaction together with the row
 * that records it, so a failed migration leaves neither its changes nor its record.
 */
#include "store/migrations.h"

#include "core/log.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock key: the ASCII bytes of "latchkey" read as a big-endian bigint. */
#define MIGRATION_LOCK_KEY "7809651199139603833"

/* Migrations may run long, so they lift the 5-second statement timeout of lk_db_connect. */
#define LOCK_SQL                                                                            \
    "BEGIN; SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '10min'; "            \
    "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY "); COMMIT"

#define UNLOCK_SQL "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"

#define CREATE_TABLE_SQL                                                                    \
    "CREATE TABLE IF NOT EXISTS schema_migrations ("                                         \
    " version integer PRIMARY KEY,"                                                          \
    " name text NOT NULL,"                                                                   \
    " applied_at timestamptz NOT NULL DEFAULT now())"

/* Writes "<what>: SQLSTATE <code>: <message>" for a failed result into `error`. */
static void describe_failure(PGconn *connection, const PGresult *result, const char *what,
                             char *error, size_t error_size)
{
    const char *sqlstate = result != NULL ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    const char *message =
        result != NULL ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (message == NULL)
        message = PQerrorMessage(connection);
    int length = (int)strcspn(message, "\r\n");
    snprintf(error, error_size, "%s: SQLSTATE %s: %.*s", what,
             sqlstate != NULL ? sqlstate : "none", length, message);
}

/*
 * Runs `sql` (PQexec, so it may contain several statements) and checks that its last
 * statement succeeded. Returns 0, or -1 with the reason in `error`.
 */
static int run_script(PGconn *connection, const char *sql, const char *what, char *error,
                      size_t error_size)
{
    PGresult *result = PQexec(connection, sql);
    ExecStatusType status = result != NULL ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    int outcome = 0;

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        describe_failure(connection, result, what, error, error_size);
        lk_log_error("database error: %s", error);
        outcome = -1;
    }
    PQclear(result);
    return outcome;
}

/* Checks that the embedded migrations have strictly increasing, positive versions. */
static int check_order(char *error, size_t error_size)
{
    for (size_t i = 0; i < lk_migration_count; i++) {
        int previous = i == 0 ? 0 : lk_migrations[i - 1].version;
        if (lk_migrations[i].version <= previous) {
            snprintf(error, error_size,
                     "migration %s: version %d is not greater than the previous one (%d)",
                     lk_migrations[i].name, lk_migrations[i].version, previous);
            return -1;
        }
    }
    return 0;
}

/* Reads the highest recorded version into `version`. Returns 0 or -1. */
static int read_version(PGconn *connection, int *version, char *error, size_t error_size)
{
    PGresult *result =
        lk_db_query(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                    NULL);

    if (lk_db_result(connection, result, PGRES_TUPLES_OK, "read schema version") != LK_STORE_OK) {
        describe_failure(connection, result, "reading the schema version failed", error,
                         error_size);
        PQclear(result);
        return -1;
    }
    *version = (int)lk_db_get_int64(result, 0, 0);
    PQclear(result);
    return 0;
}

/*
 * Stores in `recorded` whether `migration` is in schema_migrations. Migrations are applied
 * by this check rather than by comparing with the highest recorded version, so that a
 * migration merged after a higher-numbered one is still applied. Returns 0 or -1.
 */
static int read_recorded(PGconn *connection, const lk_migration_t *migration, bool *recorded,
                         char *error, size_t error_size)
{
    char version[16];
    snprintf(version, sizeof version, "%d", migration->version);
    const char *values[] = {version};
    PGresult *result =
        lk_db_query(connection, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, values);

    if (lk_db_result(connection, result, PGRES_TUPLES_OK, "read applied migrations") !=
        LK_STORE_OK) {
        describe_failure(connection, result, "reading the applied migrations failed", error,
                         error_size);
        PQclear(result);
        return -1;
    }
    *recorded = PQntuples(result) > 0;
    PQclear(result);
    return 0;
}

/* Applies one migration and records it, in one transaction. Returns 0 or -1. */
static int apply_one(PGconn *connection, const lk_migration_t *migration, char *error,
                     size_t error_size)
{
    char what[160];
    snprintf(what, sizeof what, "migration %s failed", migration->name);

    if (run_script(connection, "BEGIN; SET LOCAL statement_timeout = 0", what, error,
                   error_size) != 0)
        return -1;
    if (run_script(connection, migration->sql, what, error, error_size) != 0) {
        lk_db_rollback(connection);
        return -1;
    }

    char version[16];
    snprintf(version, sizeof version, "%d", migration->version);
    const char *values[] = {version, migration->name};
    PGresult *result = lk_db_query(
        connection, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, values);
    int outcome = 0;
    if (lk_db_result(connection, result, PGRES_COMMAND_OK, "record migration") != LK_STORE_OK) {
        describe_failure(connection, result, what, error, error_size);
        outcome = -1;
    }
    PQclear(result);

    if (outcome == 0 && lk_db_commit(connection) != LK_STORE_OK) {
        snprintf(error, error_size, "%s: COMMIT failed", what);
        outcome = -1;
    }
    if (outcome != 0)
        lk_db_rollback(connection);
    else
        lk_log_info("migration applied: %s", migration->name);
    return outcome;
}

/* Applies every embedded migration that is not recorded yet. The caller holds the lock. */
static int apply_pending(PGconn *connection, int *applied, char *error, size_t error_size)
{
    if (run_script(connection, CREATE_TABLE_SQL, "creating schema_migrations failed", error,
                   error_size) != 0)
        return -1;

    int version = 0;
    if (read_version(connection, &version, error, error_size) != 0)
        return -1;

    int latest = lk_migration_count > 0 ? lk_migrations[lk_migration_count - 1].version : 0;
    if (version > latest)
        lk_log_warn("migration skipped: the database schema version %d is newer than the "
                    "latest migration %d of this binary",
                    version, latest);

    for (size_t i = 0; i < lk_migration_count; i++) {
        bool recorded = false;
        if (read_recorded(connection, &lk_migrations[i], &recorded, error, error_size) != 0)
            return -1;
        if (recorded)
            continue;
        if (apply_one(connection, &lk_migrations[i], error, error_size) != 0)
            return -1;
        (*applied)++;
    }
    return 0;
}

int lk_migrations_apply(PGconn *connection, int *applied, char *error, size_t error_size)
{
    *applied = 0;
    if (check_order(error, error_size) != 0)
        return -1;

    /* Waits up to lock_timeout while another process migrates. */
    if (run_script(connection, LOCK_SQL, "acquiring the migration lock failed", error,
                   error_size) != 0) {
        lk_db_rollback(connection);
        return -1;
    }

    int outcome = apply_pending(connection, applied, error, error_size);

    /* The session lock also ends with the connection, so a failed unlock is only logged. */
    char unlock_error[256];
    if (run_script(connection, UNLOCK_SQL, "releasing the migration lock failed", unlock_error,
                   sizeof unlock_error) != 0)
        lk_log_warn("migration lock not released: %s", unlock_error);
    return outcome;
}
