/* Organisations in PostgreSQL; see organisations.h. */
#include "store/organisations.h"

#include "store/audit.h"

#include <string.h>

bool lk_org_slug_is_valid(const char *slug)
{
    size_t length = strlen(slug);
    if (length == 0 || length > LK_ORG_SLUG_MAX_LENGTH || slug[0] == '-')
        return false;

    for (size_t i = 0; i < length; i++) {
        char c = slug[i];
        bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!allowed)
            return false;
    }
    return true;
}

/* Copies the columns id, slug, name, created_at (and member_count when `with_count`). */
static int copy_record(const PGresult *result, int row, bool with_count,
                       lk_organisation_record_t *record)
{
    memset(record, 0, sizeof *record);
    if (lk_db_copy_text(result, row, 0, record->id, sizeof record->id) != 0 ||
        lk_db_copy_text(result, row, 1, record->slug, sizeof record->slug) != 0 ||
        lk_db_copy_text(result, row, 2, record->name, sizeof record->name) != 0)
        return -1;
    record->created_at = lk_db_get_int64(result, row, 3);
    if (with_count)
        record->member_count = lk_db_get_int64(result, row, 4);
    return 0;
}

static lk_store_result_t insert_organisation(PGconn *connection, const char *slug,
                                             const char *name, lk_organisation_record_t *created)
{
    const char *values[] = {slug, name};
    PGresult *result = lk_db_query(connection,
                                   "INSERT INTO organisations (slug, name) VALUES ($1, $2) "
                                   "RETURNING id, slug, name, "
                                   "extract(epoch FROM created_at)::bigint",
                                   2, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "create organisation");
    if (status == LK_STORE_OK && copy_record(result, 0, false, created) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_organisation_create(PGconn *connection, const char *slug,
                                               const char *name, const char *actor,
                                               lk_organisation_record_t *created)
{
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = insert_organisation(connection, slug, name, created);
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:s, s:s}", "slug", slug, "name", name);
        status = details != NULL ? lk_store_audit(connection, "org.created", actor, created->id,
                                                  details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

lk_store_result_t lk_store_organisation_find_by_slug(PGconn *connection, const char *slug,
                                                     lk_organisation_record_t *record)
{
    const char *values[] = {slug};
    PGresult *result = lk_db_query(connection,
                                   "SELECT id, slug, name, extract(epoch FROM created_at)::bigint "
                                   "FROM organisations WHERE slug = $1",
                                   1, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "find organisation by slug");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_record(result, 0, false, record) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_organisation_exists(PGconn *connection, const char *org_id)
{
    const char *values[] = {org_id};
    PGresult *result = lk_db_query(connection, "SELECT 1 FROM organisations WHERE id = $1::uuid",
                                   1, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "check organisation");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_organisation_list(PGconn *connection, lk_organisation_visit_fn visit,
                                             void *context)
{
    PGresult *result = lk_db_query(
        connection,
        "SELECT o.id, o.slug, o.name, extract(epoch FROM o.created_at)::bigint, "
        "(SELECT count(*) FROM memberships m WHERE m.org_id = o.id) "
        "FROM organisations o ORDER BY o.slug",
        0, NULL);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "list organisations");
    for (int row = 0; status == LK_STORE_OK && row < PQntuples(result); row++) {
        lk_organisation_record_t record;
        if (copy_record(result, row, true, &record) != 0)
            status = LK_STORE_ERROR;
        else if (visit(&record, context) != 0)
            break;
    }
    PQclear(result);
    return status;
}
