/*
 * Test accounts and their reset mails: unique emails, users created through the command
 * line, and reset tokens read from the outbox with `latchkey outbox list --json`.
 */
#ifndef LK_TEST_ACCOUNTS_H
#define LK_TEST_ACCOUNTS_H

#include <stddef.h>

#include <jansson.h>

/* Writes an email "PREFIX-<unique>@example.test" that no other test or run uses. */
void lk_test_unique_email(const char *prefix, char *email, size_t size);

/* Creates an enabled user with `latchkey users create`, failing the test if it fails. */
void lk_test_add_user(const char *email, const char *password);

/* Returns the number of reset messages in the outbox for EMAIL (sent or not). */
size_t lk_test_reset_message_count(const char *email);

/*
 * Waits up to TIMEOUT_MS until the outbox contains at least MINIMUM_COUNT reset messages for
 * EMAIL, then returns a copy of the token in the newest one (the caller frees it). The token
 * is recorded for the log check of tests/run.sh.
 */
char *lk_test_wait_for_reset_token(const char *email, size_t minimum_count, int timeout_ms);

/* Returns the newest reset message for EMAIL as JSON (the caller releases it), or NULL. */
json_t *lk_test_newest_reset_message(const char *email);

#endif
