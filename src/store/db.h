/*
 * The PostgreSQL adapter: connecting, reconnecting, and converting libpq results into
 * latchkey's small set of store results.
 *
 * Every PostgreSQL function under src/store is synchronous and blocks for a database round
 * trip, so it runs on worker threads or in the command line, never on an event-loop thread. A
 * connection belongs to one thread at a time. Every query passes its values as $n
 * parameters (PQexecParams), never by building SQL text from them.
 */
#ifndef LK_STORE_DB_H
#define LK_STORE_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lk_store_result {
    LK_STORE_OK = 0,
    LK_STORE_NOT_FOUND,   /* no row matched */
    LK_STORE_CONFLICT,    /* a unique constraint rejected the change (SQLSTATE 23505) */
    LK_STORE_UNAVAILABLE, /* the connection failed or a statement timed out; retry later */
    LK_STORE_ERROR,       /* anything else; the cause is logged, never sent to a client */
} lk_store_result_t;

/* Returns a short name for a result ("not_found") for logs and messages. */
const char *lk_store_result_name(lk_store_result_t result);

/*
 * Opens a connection. `url` is a libpq connection string or URI. The connection gets
 * application_name=latchkey, connect_timeout=5 and statement_timeout=5s as defaults
 * that the URL may override (a URL with its own `options` replaces the statement
 * timeout). Returns the connection, or NULL with a one-line reason in `error` that
 * never contains the URL or its password.
 */
__attribute__((warn_unused_result)) PGconn *lk_db_connect(const char *url, char *error,
                                                          size_t error_size);

/*
 * Makes `*connection` usable: connects when it is NULL and reconnects when its status is
 * bad (for example after a server restart). Failures are logged. Returns 0, or -1 when
 * no connection could be made, in which case `*connection` is NULL.
 */
__attribute__((warn_unused_result)) int lk_db_ensure(PGconn **connection, const char *url);

/*
 * Converts a result into a store result: `expected` (PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK) gives LK_STORE_OK, SQLSTATE 23505 gives LK_STORE_CONFLICT, a lost
 * connection, SQLSTATE class 08 or 57 (including statement timeouts) gives
 * LK_STORE_UNAVAILABLE and anything else LK_STORE_ERROR. Every failure except a conflict
 * is logged as "database error: <context>: SQLSTATE <code>: <message>". `result` may be
 * NULL (libpq ran out of memory or lost the connection); it is not cleared here.
 */
lk_store_result_t lk_db_result(PGconn *connection, const PGresult *result,
                               ExecStatusType expected, const char *context);

/*
 * Runs one statement with text parameters and text results (PQexecParams). `values`
 * entries may be NULL for SQL NULL. The caller clears the result with PQclear.
 */
PGresult *lk_db_query(PGconn *connection, const char *sql, int count, const char *const *values);

/*
 * Runs a statement that returns no rows (or whose rows are ignored) and converts its
 * result with lk_db_result. `expected` is PGRES_COMMAND_OK or PGRES_TUPLES_OK.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_db_command(
    PGconn *connection, const char *sql, int count, const char *const *values,
    ExecStatusType expected, const char *context);

/* Starts a transaction. */
__attribute__((warn_unused_result)) lk_store_result_t lk_db_begin(PGconn *connection);

/* Commits the current transaction. */
__attribute__((warn_unused_result)) lk_store_result_t lk_db_commit(PGconn *connection);

/* Rolls back the current transaction, if any. Failures are logged and otherwise ignored. */
void lk_db_rollback(PGconn *connection);

/*
 * Reads a bigint field (such as extract(epoch ...)::bigint) of `row`, `column`.
 * Returns 0 for SQL NULL or text that is not an integer.
 */
int64_t lk_db_get_int64(const PGresult *result, int row, int column);

/*
 * Copies a text field into `output` of `size` bytes. Returns 0, or -1 when the value
 * does not fit (then `output` is the empty string). SQL NULL is copied as "".
 */
__attribute__((warn_unused_result)) int lk_db_copy_text(const PGresult *result, int row,
                                                        int column, char *output, size_t size);

#endif
