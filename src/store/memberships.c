/* Memberships in PostgreSQL; see memberships.h. */
#include "store/memberships.h"

#include "store/audit.h"

#include <stdio.h>
#include <string.h>

lk_store_result_t lk_store_membership_find(PGconn *connection, const char *org_id,
                                           const char *user_id, lk_org_role_t *role)
{
    const char *values[] = {org_id, user_id};
    PGresult *result = lk_db_query(connection,
                                   "SELECT role FROM memberships "
                                   "WHERE org_id = $1::uuid AND user_id = $2::uuid",
                                   2, values);

    *role = LK_ROLE_NONE;
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "find membership");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK) {
        *role = lk_org_role_parse(PQgetvalue(result, 0, 0), (size_t)PQgetlength(result, 0, 0));
        if (*role == LK_ROLE_NONE)
            status = LK_STORE_ERROR;
    }
    PQclear(result);
    return status;
}

/* Sends the change notification, which PostgreSQL delivers only when the transaction
 * commits. */
static lk_store_result_t notify_change(PGconn *connection, const char *org_id,
                                       const char *user_id)
{
    char payload[80];
    snprintf(payload, sizeof payload, "%s:%s", org_id, user_id);
    const char *values[] = {payload};
    return lk_db_command(connection, "SELECT pg_notify('" LK_MEMBERSHIPS_CHANNEL "', $1)", 1,
                         values, PGRES_TUPLES_OK, "notify membership change");
}

/* Writes the audit event of a membership change with the roles before and after. */
static lk_store_result_t audit_change(PGconn *connection, const char *event, const char *actor,
                                      const char *org_id, const char *user_id,
                                      lk_org_role_t previous, lk_org_role_t role)
{
    json_t *details = json_pack("{s:s, s:s}", "org_id", org_id, "user_id", user_id);
    if (details == NULL)
        return LK_STORE_ERROR;
    if (previous != LK_ROLE_NONE)
        json_object_set_new(details, "previous_role", json_string(lk_org_role_name(previous)));
    if (role != LK_ROLE_NONE)
        json_object_set_new(details, "role", json_string(lk_org_role_name(role)));

    lk_store_result_t status = lk_store_audit(connection, event, actor, user_id, details);
    json_decref(details);
    return status;
}

/* Reads the current role with a row lock, so that concurrent changes are serialised. */
static lk_store_result_t lock_current_role(PGconn *connection, const char *org_id,
                                           const char *user_id, lk_org_role_t *role)
{
    const char *values[] = {org_id, user_id};
    PGresult *result = lk_db_query(connection,
                                   "SELECT role FROM memberships "
                                   "WHERE org_id = $1::uuid AND user_id = $2::uuid FOR UPDATE",
                                   2, values);

    *role = LK_ROLE_NONE;
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "lock membership");
    if (status == LK_STORE_OK && PQntuples(result) == 1)
        *role = lk_org_role_parse(PQgetvalue(result, 0, 0), (size_t)PQgetlength(result, 0, 0));
    PQclear(result);
    return status;
}

/* Commits when `status` is LK_STORE_OK, else rolls back. Returns the final status. */
static lk_store_result_t finish_transaction(PGconn *connection, lk_store_result_t status)
{
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

/* Inserts or updates the row and records the change. Part of lk_store_membership_put. */
static lk_store_result_t write_role(PGconn *connection, const char *org_id, const char *user_id,
                                    lk_org_role_t role, const char *actor, lk_org_role_t previous)
{
    const char *values[] = {org_id, user_id, lk_org_role_name(role)};
    lk_store_result_t status = lk_db_command(
        connection,
        "INSERT INTO memberships (org_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3) "
        "ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        3, values, PGRES_COMMAND_OK, "write membership");

    const char *event = previous == LK_ROLE_NONE ? "org.member_added" : "org.member_role_changed";
    if (status == LK_STORE_OK)
        status = audit_change(connection, event, actor, org_id, user_id, previous, role);
    if (status == LK_STORE_OK)
        status = notify_change(connection, org_id, user_id);
    return status;
}

lk_store_result_t lk_store_membership_put(PGconn *connection, const char *org_id,
                                          const char *user_id, lk_org_role_t role,
                                          const char *actor, lk_org_role_t *previous)
{
    *previous = LK_ROLE_NONE;
    if (role == LK_ROLE_NONE)
        return LK_STORE_ERROR;

    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = lock_current_role(connection, org_id, user_id, previous);
    if (status == LK_STORE_OK && *previous != role)
        status = write_role(connection, org_id, user_id, role, actor, *previous);
    return finish_transaction(connection, status);
}

lk_store_result_t lk_store_membership_remove(PGconn *connection, const char *org_id,
                                             const char *user_id, const char *actor,
                                             lk_org_role_t *previous)
{
    *previous = LK_ROLE_NONE;
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    const char *values[] = {org_id, user_id};
    PGresult *result = lk_db_query(connection,
                                   "DELETE FROM memberships "
                                   "WHERE org_id = $1::uuid AND user_id = $2::uuid RETURNING role",
                                   2, values);
    status = lk_db_result(connection, result, PGRES_TUPLES_OK, "remove membership");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK)
        *previous = lk_org_role_parse(PQgetvalue(result, 0, 0), (size_t)PQgetlength(result, 0, 0));
    PQclear(result);

    if (status == LK_STORE_OK)
        status = audit_change(connection, "org.member_removed", actor, org_id, user_id,
                              *previous, LK_ROLE_NONE);
    if (status == LK_STORE_OK)
        status = notify_change(connection, org_id, user_id);
    return finish_transaction(connection, status);
}

static int copy_member(const PGresult *result, int row, lk_member_record_t *member)
{
    memset(member, 0, sizeof *member);
    if (lk_db_copy_text(result, row, 0, member->user_id, sizeof member->user_id) != 0 ||
        lk_db_copy_text(result, row, 1, member->email, sizeof member->email) != 0)
        return -1;
    member->role = lk_org_role_parse(PQgetvalue(result, row, 2),
                                     (size_t)PQgetlength(result, row, 2));
    member->joined_at = lk_db_get_int64(result, row, 3);
    return member->role == LK_ROLE_NONE ? -1 : 0;
}

lk_store_result_t lk_store_members_page(PGconn *connection, const char *org_id,
                                        const char *after_user_id, size_t limit,
                                        lk_member_record_t *members, size_t *count,
                                        bool *has_more)
{
    char fetch[24];
    *count = 0;
    *has_more = false;
    /* Fetching one row more than the limit shows whether another page follows. */
    snprintf(fetch, sizeof fetch, "%zu", limit + 1);

    const char *values[] = {org_id, after_user_id, fetch};
    PGresult *result = lk_db_query(
        connection,
        "SELECT m.user_id, u.email, m.role, extract(epoch FROM m.created_at)::bigint "
        "FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.org_id = $1::uuid AND ($2::uuid IS NULL OR m.user_id > $2::uuid) "
        "ORDER BY m.user_id LIMIT $3::bigint",
        3, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "list members");
    size_t rows = status == LK_STORE_OK ? (size_t)PQntuples(result) : 0;
    for (size_t row = 0; status == LK_STORE_OK && row < rows && row < limit; row++) {
        if (copy_member(result, (int)row, &members[row]) != 0)
            status = LK_STORE_ERROR;
        else
            *count = row + 1;
    }
    if (status == LK_STORE_OK)
        *has_more = rows > limit;
    else
        *count = 0;
    PQclear(result);
    return status;
}
