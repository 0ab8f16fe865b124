/* Direct PostgreSQL access for the integration tests; see database.h. */
#include "support/database.h"

#include "support/http_client.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

static PGconn *connection;

static PGconn *database(void)
{
    if (connection != NULL && PQstatus(connection) == CONNECTION_OK) {
        return connection;
    }
    PQfinish(connection);
    connection = PQconnectdb(lk_test_env("LK_TEST_DATABASE_URL"));
    if (PQstatus(connection) != CONNECTION_OK) {
        fail_msg("connecting to LK_TEST_DATABASE_URL failed: %s", PQerrorMessage(connection));
    }
    return connection;
}

static PGresult *run(const char *sql, int count, const char *const *values, ExecStatusType expected)
{
    PGresult *result = PQexecParams(database(), sql, count, NULL, values, NULL, NULL, 0);

    if (PQresultStatus(result) != expected) {
        fail_msg("query failed: %s: %s", sql, PQerrorMessage(connection));
    }
    return result;
}

char *lk_test_db_text(const char *sql, int count, const char *const *values)
{
    PGresult *result = run(sql, count, values, PGRES_TUPLES_OK);
    char *text = NULL;

    if (PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)) {
        text = strdup(PQgetvalue(result, 0, 0));
        assert_non_null(text);
    }
    PQclear(result);
    return text;
}

long long lk_test_db_integer(const char *sql, int count, const char *const *values)
{
    char *text = lk_test_db_text(sql, count, values);
    long long value;

    if (text == NULL) {
        fail_msg("query returned no integer: %s", sql);
    }
    value = strtoll(text, NULL, 10);
    free(text);
    return value;
}

long long lk_test_db_command(const char *sql, int count, const char *const *values)
{
    PGresult *result = run(sql, count, values, PGRES_COMMAND_OK);
    long long affected = strtoll(PQcmdTuples(result), NULL, 10);

    PQclear(result);
    return affected;
}

void lk_test_db_close(void)
{
    PQfinish(connection);
    connection = NULL;
}
