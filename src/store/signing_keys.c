/* Signing keys in PostgreSQL: state names, rows, reads and the insertion of a new key. */
#include "store/signing_keys.h"

#include "keys/keyring_loader.h"
#include "store/audit.h"
#include "store/signing_key_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Past events are rounded down and due times up, so that nothing looks due early. */
#define RECORD_COLUMNS                                                                      \
    "kid, alg, state, public_key_pem, private_key_sealed,"                                  \
    " floor(extract(epoch FROM created_at))::bigint,"                                       \
    " floor(extract(epoch FROM activated_at))::bigint,"                                     \
    " floor(extract(epoch FROM retired_at))::bigint,"                                       \
    " floor(extract(epoch FROM revoked_at))::bigint,"                                       \
    " floor(extract(epoch FROM removed_at))::bigint,"                                       \
    " ceil(extract(epoch FROM remove_after))::bigint,"                                      \
    " ceil(extract(epoch FROM activate_after))::bigint"

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
    record->removed_at = lk_db_get_int64(result, row, 9);
    record->remove_after = lk_db_get_int64(result, row, 10);
    record->activate_after = lk_db_get_int64(result, row, 11);
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

lk_store_result_t lk_store_signing_keys_list_with_time(PGconn *connection,
                                                      lk_signing_key_record_t **records,
                                                      size_t *count, double *now)
{
    PGresult *result = lk_db_query(connection, "SELECT extract(epoch FROM now())", 0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "read clock");
    if (status == LK_STORE_OK)
        *now = strtod(PQgetvalue(result, 0, 0), NULL);
    PQclear(result);
    if (status != LK_STORE_OK)
        return status;
    return lk_store_signing_keys_list_all(connection, records, count);
}

lk_store_result_t lk_store_signing_key_insert(PGconn *connection, const lk_sealed_key_t *key,
                                              const char *actor)
{
    lk_store_result_t status = lk_key_change_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    const char *alg = lk_jwt_alg_name(key->alg);
    const char *values[] = {key->kid, alg, key->public_key_pem, key->private_key_sealed};
    status = lk_db_command(connection,
                           "INSERT INTO signing_keys"
                           " (kid, alg, state, public_key_pem, private_key_sealed)"
                           " VALUES ($1, $2, 'pending', $3, $4)",
                           4, values, PGRES_COMMAND_OK, "insert key");

    json_t *details = json_pack("{s:s}", "alg", alg);
    if (details == NULL && status == LK_STORE_OK)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "key.created", actor, key->kid, details);
    json_decref(details);
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return lk_key_change_finish(connection, status);
}
