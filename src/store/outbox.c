/* The outbox table; see outbox.h. */
#include "store/outbox.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies row `row` into `message`. Returns LK_STORE_OK, or LK_STORE_ERROR when out of memory
 * or a field does not fit. */
static lk_store_result_t copy_message(const PGresult *result, int row, lk_outbox_message_t *message)
{
    memset(message, 0, sizeof(*message));
    message->id = lk_db_get_int64(result, row, 0);
    message->created_at = lk_db_get_int64(result, row, 2);
    message->sent_at = lk_db_get_int64(result, row, 3);
    message->payload = strdup(PQgetvalue(result, row, 4));
    if (lk_db_copy_text(result, row, 1, message->kind, sizeof(message->kind)) != 0 ||
        message->payload == NULL)
        return LK_STORE_ERROR;
    return LK_STORE_OK;
}

lk_store_result_t lk_store_outbox_list(PGconn *connection, bool include_sent,
                                       lk_outbox_message_t **messages, size_t *count)
{
    char limit[16];
    snprintf(limit, sizeof(limit), "%d", LK_OUTBOX_LIST_MAX);
    const char *values[] = {include_sent ? "t" : "f", limit};
    PGresult *result = lk_db_query(
        connection,
        "SELECT id, kind, extract(epoch FROM created_at)::bigint, "
        "coalesce(extract(epoch FROM sent_at)::bigint, 0), payload::text FROM outbox "
        "WHERE $1::boolean OR sent_at IS NULL ORDER BY id LIMIT $2::integer",
        2, values);

    *messages = NULL;
    *count = 0;
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "list outbox");
    size_t rows = status == LK_STORE_OK ? (size_t)PQntuples(result) : 0;
    if (rows > 0) {
        *messages = calloc(rows, sizeof(lk_outbox_message_t));
        status = *messages != NULL ? LK_STORE_OK : LK_STORE_ERROR;
    }
    for (size_t i = 0; status == LK_STORE_OK && i < rows; i++) {
        status = copy_message(result, (int)i, &(*messages)[i]);
        *count = i + 1;
    }
    PQclear(result);
    if (status != LK_STORE_OK) {
        lk_store_outbox_messages_free(*messages, *count);
        *messages = NULL;
        *count = 0;
    }
    return status;
}

void lk_store_outbox_messages_free(lk_outbox_message_t *messages, size_t count)
{
    if (messages == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        if (messages[i].payload != NULL)
            sodium_memzero(messages[i].payload, strlen(messages[i].payload));
        free(messages[i].payload);
    }
    free(messages);
}

lk_store_result_t lk_store_outbox_mark_sent(PGconn *connection, int64_t id)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, id);
    const char *values[] = {text};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE outbox SET sent_at = now(), payload = payload - 'reset_url' "
                                   "WHERE id = $1::bigint AND sent_at IS NULL",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_COMMAND_OK, "mark outbox sent");
    if (status == LK_STORE_OK && strcmp(PQcmdTuples(result), "1") != 0)
        status = LK_STORE_NOT_FOUND;
    PQclear(result);
    return status;
}
