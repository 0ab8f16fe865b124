/* The PostgreSQL adapter: connections and the conversion of libpq errors. */
#include "store/db.h"

#include "core/log.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lk_store_result_name(lk_store_result_t result)
{
    switch (result) {
    case LK_STORE_OK:
        return "ok";
    case LK_STORE_NOT_FOUND:
        return "not_found";
    case LK_STORE_CONFLICT:
        return "conflict";
    case LK_STORE_UNAVAILABLE:
        return "unavailable";
    case LK_STORE_ERROR:
        break;
    }
    return "error";
}

/* Copies the first line of `message` (libpq messages end with a newline) into `output`. */
static void copy_first_line(const char *message, char *output, size_t size)
{
    if (size == 0)
        return;
    if (message == NULL)
        message = "";

    size_t length = strcspn(message, "\r\n");
    if (length >= size)
        length = size - 1;
    memcpy(output, message, length);
    output[length] = '\0';
}

/* Returns true for text such as "latchkey" that libpq takes as a database name alone. */
static bool is_plain_database_name(const char *url)
{
    return url[0] != '\0' && strchr(url, '=') == NULL && strstr(url, "://") == NULL;
}

/*
 * Stores in `password` a malloc'ed copy of the password that `url` contains, or NULL
 * when it contains none. Returns 0, or -1 when `url` is not a valid connection string.
 */
static int find_password(const char *url, char **password)
{
    char *parse_error = NULL;
    PQconninfoOption *options = PQconninfoParse(url, &parse_error);

    *password = NULL;
    if (options == NULL) {
        PQfreemem(parse_error);
        return is_plain_database_name(url) ? 0 : -1;
    }

    int status = 0;
    for (PQconninfoOption *option = options; option->keyword != NULL; option++) {
        if (strcmp(option->keyword, "password") == 0 && option->val != NULL &&
            option->val[0] != '\0') {
            *password = strdup(option->val);
            if (*password == NULL)
                status = -1;
        }
        if (option->val != NULL)
            sodium_memzero(option->val, strlen(option->val));
    }
    PQconninfoFree(options);
    return status;
}

static void free_password(char *password)
{
    if (password == NULL)
        return;
    sodium_memzero(password, strlen(password));
    free(password);
}

/*
 * Logs server notices (such as "relation already exists, skipping") as log lines instead
 * of libpq's default of printing them raw on standard error. Warnings are logged at warn
 * level and every other notice at debug level.
 */
static void on_notice(void *context, const PGresult *result)
{
    (void)context;
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    bool warning = severity != NULL && strcmp(severity, "WARNING") == 0;

    lk_log(warning ? LK_LOG_WARN : LK_LOG_DEBUG, "database notice: %s: %s",
           severity != NULL ? severity : "NOTICE", message != NULL ? message : "");
}

/*
 * Opens the connection with latchkey's defaults placed before the expanded URL, so that
 * parameters in the URL take precedence over them.
 */
PGconn *lk_db_connect(const char *url, char *error, size_t error_size)
{
    char *password = NULL;
    if (url == NULL || find_password(url, &password) != 0) {
        snprintf(error, error_size,
                 "invalid database URL: expected a libpq connection string or a "
                 "postgresql:// URI");
        return NULL;
    }

    const char *const keywords[] = {"application_name", "connect_timeout", "options", "dbname",
                                    NULL};
    const char *const values[] = {"latchkey", "5", "-c statement_timeout=5000", url, NULL};
    PGconn *connection = PQconnectdbParams(keywords, values, 1);

    if (connection == NULL || PQstatus(connection) != CONNECTION_OK) {
        char line[256];
        copy_first_line(connection != NULL ? PQerrorMessage(connection) : "out of memory",
                        line, sizeof line);
        if (password != NULL && strstr(line, password) != NULL)
            snprintf(line, sizeof line, "connection failed (details withheld: they contain "
                                        "the password)");
        snprintf(error, error_size, "%s", line);
        sodium_memzero(line, sizeof line);
        PQfinish(connection);
        connection = NULL;
    } else {
        PQsetNoticeReceiver(connection, on_notice, NULL);
    }

    free_password(password);
    return connection;
}

int lk_db_ensure(PGconn **connection, const char *url)
{
    if (*connection != NULL && PQstatus(*connection) == CONNECTION_OK)
        return 0;

    PQfinish(*connection);
    *connection = NULL;

    char error[256];
    *connection = lk_db_connect(url, error, sizeof error);
    if (*connection == NULL) {
        lk_log_error("database error: connect failed: %s", error);
        return -1;
    }
    lk_log_info("database connection established");
    return 0;
}

/* Returns true for SQLSTATEs that mean the server or connection is unavailable. */
static bool is_unavailable_state(const char *sqlstate)
{
    if (sqlstate == NULL)
        return false;
    /* Class 08 is connection exceptions; class 57 is operator intervention, which covers
       statement timeouts (57014), shutdowns (57P01) and start-up (57P03). */
    return strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57", 2) == 0;
}

lk_store_result_t lk_db_result(PGconn *connection, const PGresult *result,
                               ExecStatusType expected, const char *context)
{
    if (result != NULL && PQresultStatus(result) == expected)
        return LK_STORE_OK;

    const char *sqlstate = NULL;
    const char *message = NULL;
    if (result != NULL) {
        sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    }
    if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
        return LK_STORE_CONFLICT;

    char line[256];
    if (message != NULL)
        copy_first_line(message, line, sizeof line);
    else if (result != NULL && PQresultStatus(result) != PGRES_FATAL_ERROR)
        snprintf(line, sizeof line, "unexpected result status %s",
                 PQresStatus(PQresultStatus(result)));
    else
        copy_first_line(PQerrorMessage(connection), line, sizeof line);

    lk_log_error("database error: %s: SQLSTATE %s: %s", context,
                 sqlstate != NULL ? sqlstate : "none", line);

    if (result == NULL || PQstatus(connection) != CONNECTION_OK || is_unavailable_state(sqlstate))
        return LK_STORE_UNAVAILABLE;
    return LK_STORE_ERROR;
}

PGresult *lk_db_query(PGconn *connection, const char *sql, int count, const char *const *values)
{
    return PQexecParams(connection, sql, count, NULL, values, NULL, NULL, 0);
}

lk_store_result_t lk_db_command(PGconn *connection, const char *sql, int count,
                                const char *const *values, ExecStatusType expected,
                                const char *context)
{
    PGresult *result = lk_db_query(connection, sql, count, values);
    lk_store_result_t status = lk_db_result(connection, result, expected, context);
    PQclear(result);
    return status;
}

lk_store_result_t lk_db_begin(PGconn *connection)
{
    return lk_db_command(connection, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "begin");
}

lk_store_result_t lk_db_commit(PGconn *connection)
{
    return lk_db_command(connection, "COMMIT", 0, NULL, PGRES_COMMAND_OK, "commit");
}

void lk_db_rollback(PGconn *connection)
{
    if (PQtransactionStatus(connection) == PQTRANS_IDLE)
        return;
    lk_store_result_t status =
        lk_db_command(connection, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, "rollback");
    (void)status; /* lk_db_result has logged a failure, and nothing else can be done. */
}

int64_t lk_db_get_int64(const PGresult *result, int row, int column)
{
    if (PQgetisnull(result, row, column))
        return 0;

    char *end = NULL;
    const char *text = PQgetvalue(result, row, column);
    long long value = strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        return 0;
    return (int64_t)value;
}

int lk_db_copy_text(const PGresult *result, int row, int column, char *output, size_t size)
{
    const char *text = PQgetvalue(result, row, column);
    size_t length = (size_t)PQgetlength(result, row, column);

    if (size == 0)
        return -1;
    if (length >= size) {
        output[0] = '\0';
        return -1;
    }
    memcpy(output, text, length);
    output[length] = '\0';
    return 0;
}
