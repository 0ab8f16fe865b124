/* Service clients in PostgreSQL; see service_clients.h. */
#include "store/service_clients.h"

#include "store/audit.h"

#include <string.h>

#define CLIENT_COLUMNS                                                                      \
    "id, name, secret_hash, array_to_string(scopes, ','), revoked_at IS NOT NULL, "         \
    "extract(epoch FROM created_at)::bigint, "                                              \
    "coalesce(extract(epoch FROM revoked_at)::bigint, 0)"

/* Reads the scopes that this version defines from a comma-separated list, skipping others. */
static lk_scope_set_t known_scopes(const char *list)
{
    lk_scope_set_t scopes = 0;
    for (const char *name = list; *name != '\0';) {
        size_t length = strcspn(name, ",");
        scopes |= lk_scope_find(name, length);
        name += length + (name[length] == ',' ? 1 : 0);
    }
    return scopes;
}

static int copy_record(const PGresult *result, int row, lk_service_client_record_t *record)
{
    memset(record, 0, sizeof *record);
    if (lk_db_copy_text(result, row, 0, record->id, sizeof record->id) != 0 ||
        lk_db_copy_text(result, row, 1, record->name, sizeof record->name) != 0)
        return -1;
    /* A hash of an unknown format does not fit and is left empty, which never matches. */
    if (lk_db_copy_text(result, row, 2, record->secret_hash, sizeof record->secret_hash) != 0)
        record->secret_hash[0] = '\0';
    record->scopes = known_scopes(PQgetvalue(result, row, 3));
    record->revoked = PQgetvalue(result, row, 4)[0] == 't';
    record->created_at = lk_db_get_int64(result, row, 5);
    record->revoked_at = lk_db_get_int64(result, row, 6);
    return 0;
}

/* Sends the change notification, which PostgreSQL delivers only when the transaction
 * commits. */
static lk_store_result_t notify_change(PGconn *connection, const char *id)
{
    const char *values[] = {id};
    return lk_db_command(connection, "SELECT pg_notify('" LK_CLIENTS_CHANNEL "', $1)", 1, values,
                         PGRES_TUPLES_OK, "notify client change");
}

static lk_store_result_t finish_transaction(PGconn *connection, lk_store_result_t status)
{
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

static lk_store_result_t insert_client(PGconn *connection, const char *id, const char *name,
                                       const char *secret_hash, const char *scope_list,
                                       int64_t *created_at)
{
    const char *values[] = {id, name, secret_hash, scope_list};
    PGresult *result = lk_db_query(connection,
                                   "INSERT INTO service_clients (id, name, secret_hash, scopes) "
                                   "VALUES ($1, $2, $3, string_to_array($4, ',')) "
                                   "RETURNING extract(epoch FROM created_at)::bigint",
                                   4, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "create client");
    if (status == LK_STORE_OK)
        *created_at = lk_db_get_int64(result, 0, 0);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_service_client_create(PGconn *connection, const char *id,
                                                 const char *name, const char *secret_hash,
                                                 lk_scope_set_t scopes, const char *actor,
                                                 int64_t *created_at)
{
    char scope_list[LK_SCOPE_LIST_MAX_LENGTH];
    lk_scopes_format(scopes, scope_list);
    *created_at = 0;
    if (scope_list[0] == '\0')
        return LK_STORE_ERROR;

    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = insert_client(connection, id, name, secret_hash, scope_list, created_at);
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:s, s:s}", "name", name, "scopes", scope_list);
        status = details != NULL ? lk_store_audit(connection, "client.created", actor, id, details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    if (status == LK_STORE_OK)
        status = notify_change(connection, id);
    return finish_transaction(connection, status);
}

lk_store_result_t lk_store_service_client_find(PGconn *connection, const char *id,
                                               lk_service_client_record_t *record)
{
    const char *values[] = {id};
    PGresult *result = lk_db_query(
        connection, "SELECT " CLIENT_COLUMNS " FROM service_clients WHERE id = $1", 1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "find client");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_record(result, 0, record) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_service_client_revoke(PGconn *connection, const char *id,
                                                 const char *actor,
                                                 lk_service_client_record_t *record)
{
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    const char *values[] = {id};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE service_clients "
                                   "SET revoked_at = coalesce(revoked_at, now()) "
                                   "WHERE id = $1 RETURNING " CLIENT_COLUMNS,
                                   1, values);
    status = lk_db_result(connection, result, PGRES_TUPLES_OK, "revoke client");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_record(result, 0, record) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);

    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "client.revoked", actor, id, NULL);
    if (status == LK_STORE_OK)
        status = notify_change(connection, id);
    return finish_transaction(connection, status);
}

lk_store_result_t lk_store_service_client_list(PGconn *connection,
                                               lk_service_client_visit_fn visit, void *context)
{
    PGresult *result = lk_db_query(
        connection, "SELECT " CLIENT_COLUMNS " FROM service_clients ORDER BY created_at, id", 0,
        NULL);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "list clients");
    for (int row = 0; status == LK_STORE_OK && row < PQntuples(result); row++) {
        lk_service_client_record_t record;
        if (copy_record(result, row, &record) != 0)
            status = LK_STORE_ERROR;
        else if (visit(&record, context) != 0)
            break;
    }
    PQclear(result);
    return status;
}
