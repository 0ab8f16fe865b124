/* Signing keys in PostgreSQL: insert, activate (with retirement of the old key), list. */
#include "store/signing_keys.h"

#include "keys/keyring_loader.h"
#include "store/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Serialises key changes: the ASCII bytes of "lk-keys!" read as a big-endian bigint. */
#define KEY_CHANGE_LOCK_SQL "SELECT pg_advisory_xact_lock(7812387917891466017)"

#define RECORD_COLUMNS                                                                      \
    "kid, alg, state, public_key_pem, private_key_sealed,"                                  \
    " extract(epoch FROM created_at)::bigint, extract(epoch FROM activated_at)::bigint,"    \
    " extract(epoch FROM retired_at)::bigint, extract(epoch FROM revoked_at)::bigint,"      \
    " extract(epoch FROM remove_after)::bigint"

static const char *const state_names[] = {
    [LK_KEY_PENDING] = "pending", [LK_KEY_ACTIVE] = "active",   [LK_KEY_RETIRED] = "retired",
    [LK_KEY_REVOKED] = "revoked", [LK_KEY_REMOVED] = "removed",
};

#define STATE_COUNT (sizeof state_names / sizeof state_names[0])

const char *lk_key_state_name(lk_key_state_t state)
{
    if ((size_t)state >= STATE_COUNT)
        return "unknown";
    return state_names[state];
}

int lk_key_state_parse(const char *text, lk_key_state_t *state)
{
    for (size_t i = 0; i < STATE_COUNT; i++) {
        if (strcmp(text, state_names[i]) == 0) {
            *state = (lk_key_state_t)i;
            return 0;
        }
    }
    return -1;
}

/* Copies a nullable text field into a malloc'ed string. Returns 0, or -1 when out of memory. */
static int duplicate_text(const PGresult *result, int row, int column, char **output)
{
    *output = NULL;
    if (PQgetisnull(result, row, column))
        return 0;
    *output = strdup(PQgetvalue(result, row, column));
    return *output != NULL ? 0 : -1;
}

/* Fills `record` from a row of RECORD_COLUMNS. Returns 0, or -1 for an unexpected value. */
static int copy_record(const PGresult *result, int row, lk_signing_key_record_t *record)
{
    memset(record, 0, sizeof *record);
    if (lk_db_copy_text(result, row, 0, record->kid, sizeof record->kid) != 0 ||
        lk_jwt_alg_parse(PQgetvalue(result, row, 1), &record->alg) != 0 ||
        lk_key_state_parse(PQgetvalue(result, row, 2), &record->state) != 0 ||
        duplicate_text(result, row, 3, &record->public_key_pem) != 0 ||
        duplicate_text(result, row, 4, &record->private_key_sealed) != 0) {
        lk_signing_key_record_dispose(record);
        return -1;
    }

    record->created_at = lk_db_get_int64(result, row, 5);
    record->activated_at = lk_db_get_int64(result, row, 6);
    record->retired_at = lk_db_get_int64(result, row, 7);
    record->revoked_at = lk_db_get_int64(result, row, 8);
    record->remove_after = lk_db_get_int64(result, row, 9);
    return 0;
}

void lk_signing_key_record_dispose(lk_signing_key_record_t *record)
{
    free(record->public_key_pem);
    if (record->private_key_sealed != NULL) {
        sodium_memzero(record->private_key_sealed, strlen(record->private_key_sealed));
        free(record->private_key_sealed);
    }
    memset(record, 0, sizeof *record);
}

void lk_signing_key_records_free(lk_signing_key_record_t *records, size_t count)
{
    if (records == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        lk_signing_key_record_dispose(&records[i]);
    free(records);
}

/* Runs a query of RECORD_COLUMNS and copies every row. */
static lk_store_result_t list_records(PGconn *connection, const char *sql, int parameter_count,
                                      const char *const *values,
                                      lk_signing_key_record_t **records, size_t *count)
{
    *records = NULL;
    *count = 0;

    PGresult *result = lk_db_query(connection, sql, parameter_count, values);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "list keys");
    size_t rows = status == LK_STORE_OK ? (size_t)PQntuples(result) : 0;

    lk_signing_key_record_t *list = NULL;
    if (rows > 0) {
        list = calloc(rows, sizeof *list);
        if (list == NULL)
            status = LK_STORE_ERROR;
    }
    size_t copied = 0;
    while (status == LK_STORE_OK && copied < rows) {
        if (copy_record(result, (int)copied, &list[copied]) != 0)
            status = LK_STORE_ERROR;
        else
            copied++;
    }
    PQclear(result);

    if (status != LK_STORE_OK) {
        lk_signing_key_records_free(list, copied);
        return status;
    }
    *records = list;
    *count = rows;
    return LK_STORE_OK;
}

lk_store_result_t lk_store_signing_keys_list_all(PGconn *connection,
                                                 lk_signing_key_record_t **records, size_t *count)
{
    return list_records(connection,
                        "SELECT " RECORD_COLUMNS " FROM signing_keys ORDER BY created_at, kid",
                        0, NULL, records, count);
}

lk_store_result_t lk_store_signing_keys_list_published(PGconn *connection,
                                                       lk_signing_key_record_t **records,
                                                       size_t *count)
{
    return list_records(connection,
                        "SELECT " RECORD_COLUMNS " FROM signing_keys"
                        " WHERE state IN ('pending', 'active', 'retired')"
                        " ORDER BY created_at, kid",
                        0, NULL, records, count);
}

lk_store_result_t lk_store_signing_key_find(PGconn *connection, const char *kid,
                                            lk_signing_key_record_t *record)
{
    const char *values[] = {kid};
    lk_signing_key_record_t *records = NULL;
    size_t count = 0;

    memset(record, 0, sizeof *record);
    lk_store_result_t status = list_records(
        connection, "SELECT " RECORD_COLUMNS " FROM signing_keys WHERE kid = $1", 1, values,
        &records, &count);
    if (status == LK_STORE_OK && count == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK) {
        *record = records[0];
        memset(&records[0], 0, sizeof records[0]);
    }
    lk_signing_key_records_free(records, count);
    return status;
}

/* Ends a key change: commits on success, rolls back otherwise. Returns the final status. */
static lk_store_result_t finish_change(PGconn *connection, lk_store_result_t status)
{
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

/* Starts a key change: a transaction holding the key-change lock. */
static lk_store_result_t begin_change(PGconn *connection)
{
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;
    status = lk_db_command(connection, KEY_CHANGE_LOCK_SQL, 0, NULL, PGRES_TUPLES_OK,
                           "lock key changes");
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

/* Inserts an audit event whose details are {"<name>": value}; a NULL value is JSON null. */
static lk_store_result_t audit_key(PGconn *connection, const char *event, const char *actor,
                                   const char *kid, const char *name, const char *value)
{
    json_t *details = json_pack("{s:s?}", name, value);
    if (details == NULL)
        return LK_STORE_ERROR;
    lk_store_result_t status = lk_store_audit(connection, event, actor, kid, details);
    json_decref(details);
    return status;
}

lk_store_result_t lk_store_signing_key_insert(PGconn *connection, const char *kid,
                                              lk_jwt_alg_t alg, const char *public_key_pem,
                                              const char *private_key_sealed, const char *actor)
{
    lk_store_result_t status = begin_change(connection);
    if (status != LK_STORE_OK)
        return status;

    const char *values[] = {kid, lk_jwt_alg_name(alg), public_key_pem, private_key_sealed};
    status = lk_db_command(connection,
                           "INSERT INTO signing_keys"
                           " (kid, alg, state, public_key_pem, private_key_sealed)"
                           " VALUES ($1, $2, 'pending', $3, $4)",
                           4, values, PGRES_COMMAND_OK, "insert key");
    if (status == LK_STORE_OK)
        status = audit_key(connection, "key.created", actor, kid, "alg", lk_jwt_alg_name(alg));
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return finish_change(connection, status);
}

/* Reads the state of `kid`, locking its row. */
static lk_store_result_t lock_key_state(PGconn *connection, const char *kid,
                                        lk_key_state_t *state)
{
    const char *values[] = {kid};
    PGresult *result = lk_db_query(
        connection, "SELECT state FROM signing_keys WHERE kid = $1 FOR UPDATE", 1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "lock key");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && lk_key_state_parse(PQgetvalue(result, 0, 0), state) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

/* Retires the active key, if any, and stores its kid in `retired` ("" when none). */
static lk_store_result_t retire_active(PGconn *connection, int64_t access_token_ttl,
                                       char retired[LK_KID_MAX_LENGTH + 1])
{
    char keep_seconds[24];
    snprintf(keep_seconds, sizeof keep_seconds, "%" PRId64,
             access_token_ttl + LK_KEY_RETIRE_LEEWAY_SECONDS);

    const char *values[] = {keep_seconds};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE signing_keys SET state = 'retired', retired_at = now(),"
                                   " remove_after = now() + make_interval(secs => $1::bigint)"
                                   " WHERE state = 'active' RETURNING kid",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "retire key");
    retired[0] = '\0';
    if (status == LK_STORE_OK && PQntuples(result) > 0 &&
        lk_db_copy_text(result, 0, 0, retired, LK_KID_MAX_LENGTH + 1) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

/* Retires the current key, activates `kid` and records both. Runs inside begin_change. */
static lk_store_result_t swap_active(PGconn *connection, const char *kid,
                                     int64_t access_token_ttl, const char *actor)
{
    char retired[LK_KID_MAX_LENGTH + 1];
    lk_store_result_t status = retire_active(connection, access_token_ttl, retired);

    const char *values[] = {kid};
    if (status == LK_STORE_OK)
        status = lk_db_command(connection,
                               "UPDATE signing_keys SET state = 'active', activated_at = now()"
                               " WHERE kid = $1",
                               1, values, PGRES_COMMAND_OK, "activate key");
    if (status == LK_STORE_OK && retired[0] != '\0')
        status = audit_key(connection, "key.retired", actor, retired, "successor", kid);
    if (status == LK_STORE_OK)
        status = audit_key(connection, "key.activated", actor, kid, "previous",
                           retired[0] != '\0' ? retired : NULL);
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return status;
}

lk_store_result_t lk_store_signing_key_activate(PGconn *connection, const char *kid,
                                                int64_t access_token_ttl, const char *actor)
{
    lk_store_result_t status = begin_change(connection);
    if (status != LK_STORE_OK)
        return status;

    lk_key_state_t state = LK_KEY_PENDING;
    status = lock_key_state(connection, kid, &state);
    if (status == LK_STORE_OK && state == LK_KEY_PENDING)
        status = swap_active(connection, kid, access_token_ttl, actor);
    else if (status == LK_STORE_OK && state != LK_KEY_ACTIVE)
        status = LK_STORE_CONFLICT;
    return finish_change(connection, status);
}
