/*
 * Direct PostgreSQL access for the integration tests, to check what the server stored
 * (LK_TEST_DATABASE_URL). Every function fails the current test on an error.
 */
#ifndef LK_TEST_DATABASE_H
#define LK_TEST_DATABASE_H

/* Runs SQL with COUNT text parameters and returns a copy of the first column of the first
 * row, or NULL when there is no row. The caller frees the result. */
char *lk_test_db_text(const char *sql, int count, const char *const *values);

/* Like lk_test_db_text for a query that returns one integer. */
long long lk_test_db_integer(const char *sql, int count, const char *const *values);

/* Runs a statement that returns no rows and returns the number of rows it affected. */
long long lk_test_db_command(const char *sql, int count, const char *const *values);

/* Closes the connection that the functions above opened; for the group teardown. */
void lk_test_db_close(void);

#endif
