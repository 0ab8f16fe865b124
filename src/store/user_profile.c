/* The caller's profile for GET /v1/me; see user_profile.h. */
#include "store/user_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lk_store_result_t load_user(PGconn *connection, const char *user_id,
                                   lk_user_profile_t *profile)
{
    const char *values[] = {user_id};
    PGresult *result = lk_db_query(connection,
                                   "SELECT id, email, disabled_at IS NOT NULL FROM users "
                                   "WHERE id = $1::uuid",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "load profile");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK &&
        (lk_db_copy_text(result, 0, 0, profile->id, sizeof profile->id) != 0 ||
         lk_db_copy_text(result, 0, 1, profile->email, sizeof profile->email) != 0))
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        profile->disabled = PQgetvalue(result, 0, 2)[0] == 't';
    PQclear(result);
    return status;
}

static int copy_membership(const PGresult *result, int row, lk_profile_membership_t *membership)
{
    if (lk_db_copy_text(result, row, 0, membership->org_id, sizeof membership->org_id) != 0 ||
        lk_db_copy_text(result, row, 1, membership->slug, sizeof membership->slug) != 0 ||
        lk_db_copy_text(result, row, 2, membership->name, sizeof membership->name) != 0)
        return -1;
    membership->role = lk_org_role_parse(PQgetvalue(result, row, 3),
                                         (size_t)PQgetlength(result, row, 3));
    return membership->role == LK_ROLE_NONE ? -1 : 0;
}

static lk_store_result_t load_memberships(PGconn *connection, const char *user_id,
                                          lk_user_profile_t *profile)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", LK_PROFILE_MAX_MEMBERSHIPS);
    const char *values[] = {user_id, limit};
    PGresult *result = lk_db_query(connection,
                                   "SELECT o.id, o.slug, o.name, m.role FROM memberships m "
                                   "JOIN organisations o ON o.id = m.org_id "
                                   "WHERE m.user_id = $1::uuid ORDER BY o.slug LIMIT $2::integer",
                                   2, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "load profile memberships");
    size_t rows = status == LK_STORE_OK ? (size_t)PQntuples(result) : 0;
    if (rows > 0) {
        profile->memberships = calloc(rows, sizeof *profile->memberships);
        if (profile->memberships == NULL)
            status = LK_STORE_ERROR;
    }
    for (size_t row = 0; status == LK_STORE_OK && row < rows; row++) {
        if (copy_membership(result, (int)row, &profile->memberships[row]) != 0)
            status = LK_STORE_ERROR;
        else
            profile->membership_count = row + 1;
    }
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_user_profile_load(PGconn *connection, const char *user_id,
                                             lk_user_profile_t *profile)
{
    memset(profile, 0, sizeof *profile);
    lk_store_result_t status = load_user(connection, user_id, profile);
    if (status == LK_STORE_OK)
        status = load_memberships(connection, user_id, profile);
    return status;
}

void lk_user_profile_dispose(lk_user_profile_t *profile)
{
    free(profile->memberships);
    profile->memberships = NULL;
    profile->membership_count = 0;
}
