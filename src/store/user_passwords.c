/* Password changes and the sessions and reset tokens they end; see user_passwords.h. */
#include "store/user_passwords.h"

#include "store/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lk_store_result_t lk_store_finish_transaction(PGconn *connection, lk_store_result_t status)
{
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

/* Appends the revoked sessions of `result` (id, revoked_at epoch) to `revoked`. */
static lk_store_result_t copy_revoked(const PGresult *result, lk_revoked_sessions_t *revoked)
{
    size_t rows = (size_t)PQntuples(result);
    if (rows == 0)
        return LK_STORE_OK;
    revoked->items = calloc(rows, sizeof(lk_revoked_session_t));
    if (revoked->items == NULL)
        return LK_STORE_ERROR;
    for (size_t i = 0; i < rows; i++) {
        lk_revoked_session_t *session = &revoked->items[i];
        if (lk_db_copy_text(result, (int)i, 0, session->session_id,
                            sizeof(session->session_id)) != 0)
            return LK_STORE_ERROR;
        session->revoked_at = lk_db_get_int64(result, (int)i, 1);
        revoked->count++;
    }
    revoked->ended_now = revoked->count;
    return LK_STORE_OK;
}

lk_store_result_t lk_store_user_sessions_revoke_others(PGconn *connection, const char *user_id,
                                                       const char *reason,
                                                       const char *kept_session_id,
                                                       lk_revoked_sessions_t *revoked)
{
    const char *values[] = {user_id, reason, kept_session_id};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 "
                                   "WHERE user_id = $1::uuid AND revoked_at IS NULL "
                                   "AND id <> $3::uuid "
                                   "RETURNING id, extract(epoch FROM revoked_at)::bigint",
                                   3, values);

    memset(revoked, 0, sizeof(*revoked));
    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "revoke other sessions of user");
    if (status == LK_STORE_OK)
        status = copy_revoked(result, revoked);
    if (status != LK_STORE_OK)
        lk_revoked_sessions_dispose(revoked);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_password_owner_find(PGconn *connection, const char *user_id,
                                               const char *session_id, lk_password_owner_t *owner)
{
    const char *values[] = {user_id, session_id};
    PGresult *result = lk_db_query(
        connection,
        "SELECT u.email_normalized, u.password_hash, u.disabled_at IS NOT NULL, "
        "EXISTS (SELECT 1 FROM sessions s WHERE s.id = $2::uuid AND s.user_id = u.id "
        "AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()) "
        "FROM users u WHERE u.id = $1::uuid",
        2, values);

    memset(owner, 0, sizeof(*owner));
    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "find password owner");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK &&
        (lk_db_copy_text(result, 0, 0, owner->email_normalized,
                         sizeof(owner->email_normalized)) != 0 ||
         lk_db_copy_text(result, 0, 1, owner->password_hash, sizeof(owner->password_hash)) != 0))
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK) {
        owner->disabled = strcmp(PQgetvalue(result, 0, 2), "t") == 0;
        owner->session_active = strcmp(PQgetvalue(result, 0, 3), "t") == 0;
    } else {
        sodium_memzero(owner, sizeof(*owner));
    }
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_user_set_password(PGconn *connection, const char *user_id,
                                             const char *expected_old_hash, const char *new_hash)
{
    const char *values[] = {user_id, new_hash, expected_old_hash};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE users SET password_hash = $2, password_changed_at = now() "
                                   "WHERE id = $1::uuid AND disabled_at IS NULL "
                                   "AND ($3::text IS NULL OR password_hash = $3)",
                                   3, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_COMMAND_OK, "set password");
    if (status == LK_STORE_OK && strcmp(PQcmdTuples(result), "1") != 0)
        status = LK_STORE_NOT_FOUND;
    PQclear(result);
    if (status != LK_STORE_OK)
        return status;

    const char *user[] = {user_id};
    return lk_db_command(connection,
                         "UPDATE password_reset_tokens SET revoked_at = now() "
                         "WHERE user_id = $1::uuid AND used_at IS NULL AND revoked_at IS NULL",
                         1, user, PGRES_COMMAND_OK, "revoke reset tokens of user");
}

lk_store_result_t lk_store_password_change(PGconn *connection, const char *user_id,
                                           const char *expected_old_hash, const char *new_hash,
                                           const char *current_session_id, const char *actor,
                                           lk_revoked_sessions_t *revoked)
{
    memset(revoked, 0, sizeof(*revoked));
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = lk_store_user_set_password(connection, user_id, expected_old_hash, new_hash);
    if (status == LK_STORE_OK)
        status = lk_store_user_sessions_revoke_others(connection, user_id, "password_changed",
                                                      current_session_id, revoked);
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:I}", "sessions_revoked", (json_int_t)revoked->count);
        status = details != NULL
                     ? lk_store_audit(connection, "user.password_changed", actor, user_id, details)
                     : LK_STORE_ERROR;
        json_decref(details);
    }
    status = lk_store_finish_transaction(connection, status);
    if (status != LK_STORE_OK)
        lk_revoked_sessions_dispose(revoked);
    return status;
}
