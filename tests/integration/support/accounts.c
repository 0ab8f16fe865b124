/* Test accounts and reset mails; see accounts.h. */
#include "support/accounts.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "support/command.h"
#include "support/http_client.h"

enum { POLL_MS = 100 };

void lk_test_unique_email(const char *prefix, char *email, size_t size)
{
    static unsigned counter;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(email, size, "%s-%ld-%ld-%d-%u@example.test", prefix, (long)now.tv_sec, now.tv_nsec,
             (int)getpid(), counter++);
}

void lk_test_add_user(const char *email, const char *password)
{
    const char *const arguments[] = {"users", "create", email, NULL};
    struct lk_test_command_result result;
    char input[512];

    snprintf(input, sizeof(input), "%s\n", password);
    lk_test_run_latchkey(arguments, input, &result);
    if (result.exit_status != 0) {
        fail_msg("latchkey users create %s exited %d: %.300s", email, result.exit_status, result.standard_error);
    }
    lk_test_command_result_dispose(&result);
}

/* Returns the outbox as listed by `latchkey outbox list --all --json`. */
static json_t *list_outbox(void)
{
    const char *const arguments[] = {"outbox", "list", "--all", "--json", NULL};
    struct lk_test_command_result result;
    json_error_t error;

    lk_test_run_latchkey(arguments, NULL, &result);
    if (result.exit_status != 0) {
        fail_msg("latchkey outbox list exited %d: %.300s", result.exit_status, result.standard_error);
    }
    json_t *document = json_loads(result.standard_output, 0, &error);
    if (document == NULL) {
        fail_msg("latchkey outbox list --json printed invalid JSON: %s", error.text);
    }
    lk_test_command_result_dispose(&result);
    return document;
}

/* Collects the reset messages for EMAIL, oldest first, as new references in a new array. */
static json_t *reset_messages_for(const char *email)
{
    json_t *outbox = list_outbox();
    json_t *matches = json_array();
    size_t index;
    json_t *message;

    json_array_foreach(json_object_get(outbox, "messages"), index, message) {
        const char *kind = json_string_value(json_object_get(message, "kind"));
        const char *to = json_string_value(json_object_get(json_object_get(message, "payload"), "to"));
        if (kind != NULL && strcmp(kind, "password_reset") == 0 && to != NULL && strcasecmp(to, email) == 0) {
            json_array_append(matches, message);
        }
    }
    json_decref(outbox);
    return matches;
}

size_t lk_test_reset_message_count(const char *email)
{
    json_t *messages = reset_messages_for(email);
    size_t count = json_array_size(messages);
    json_decref(messages);
    return count;
}

json_t *lk_test_newest_reset_message(const char *email)
{
    json_t *messages = reset_messages_for(email);
    size_t count = json_array_size(messages);
    json_t *newest = count > 0 ? json_incref(json_array_get(messages, count - 1)) : NULL;
    json_decref(messages);
    return newest;
}

char *lk_test_wait_for_reset_token(const char *email, size_t minimum_count, int timeout_ms)
{
    for (int waited = 0; lk_test_reset_message_count(email) < minimum_count; waited += POLL_MS) {
        if (waited >= timeout_ms) {
            fail_msg("no reset message #%zu for %s appeared in the outbox within %d ms", minimum_count, email,
                     timeout_ms);
        }
        usleep(POLL_MS * 1000);
    }

    json_t *message = lk_test_newest_reset_message(email);
    const char *link = json_string_value(json_object_get(json_object_get(message, "payload"), "reset_url"));
    const char *marker = link != NULL ? strstr(link, "#token=") : NULL;
    if (marker == NULL) {
        fail_msg("the newest reset message for %s has no reset_url with #token=", email);
    }
    char *token = strdup(marker + strlen("#token="));
    assert_non_null(token);
    lk_test_record_token(token);
    json_decref(message);
    return token;
}
