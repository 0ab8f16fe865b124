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

lk_store_result_t lk_store_user_sessions_revoke(PGconn *connection, const char *user_id,
                                                const char *reason, const char *kept_session_id,
                                                int64_t *revoked)
{
    const char *values[] = {user_id, reason, kept_session_id};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 "
                                   "WHERE user_id = $1::uuid AND revoked_at IS NULL "
                                   "AND ($3::uuid IS NULL OR id <> $3::uuid)",
                                   3, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_COMMAND_OK, "revoke sessions of user");
    if (status == LK_STORE_OK && revoked != NULL)
        *revoked = strtoll(PQcmdTuples(result), NULL, 10);
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
                                           int64_t *sessions_revoked)
{
    int64_t revoked = 0;
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = lk_store_user_set_password(connection, user_id, expected_old_hash, new_hash);
    if (status == LK_STORE_OK)
        status = lk_store_user_sessions_revoke(connection, user_id, "password_changed",
                                               current_session_id, &revoked);
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:I}", "sessions_revoked", (json_int_t)revoked);
        status = details != NULL
                     ? lk_store_audit(connection, "user.password_changed", actor, user_id, details)
                     : LK_STORE_ERROR;
        json_decref(details);
    }
    status = lk_store_finish_transaction(connection, status);
    if (status == LK_STORE_OK && sessions_revoked != NULL)
        *sessions_revoked = revoked;
    return status;
}
