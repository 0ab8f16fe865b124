/* Password-reset tokens and reset messages; see password_resets.h. */
#include "store/password_resets.h"

#include "store/audit.h"
#include "store/session_revoke.h"
#include "store/user_passwords.h"
#include "store/users.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The validity rule of password_resets.h, for queries that alias the tables t and u. */
#define VALID_TOKEN                                                                           \
    "t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now() "                    \
    "AND t.created_at > u.password_changed_at AND u.disabled_at IS NULL"

/* Locks the enabled user with this normalized email and stores the id. Part of create. */
static lk_store_result_t lock_user(PGconn *connection, const char *normalized, char user_id[37])
{
    const char *values[] = {normalized};
    PGresult *result = lk_db_query(connection,
                                   "SELECT id FROM users WHERE email_normalized = $1 "
                                   "AND disabled_at IS NULL FOR UPDATE",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "lock reset user");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && lk_db_copy_text(result, 0, 0, user_id, 37) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

/* Revokes the outstanding token, stores the new one and queues the message. */
static lk_store_result_t store_token_and_message(PGconn *connection, const char *user_id,
                                                 const lk_password_reset_request_t *request)
{
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%" PRId64, request->ttl_seconds);
    const char *user[] = {user_id};
    lk_store_result_t status = lk_db_command(
        connection,
        "UPDATE password_reset_tokens SET revoked_at = now() "
        "WHERE user_id = $1::uuid AND used_at IS NULL AND revoked_at IS NULL",
        1, user, PGRES_COMMAND_OK, "revoke older reset tokens");
    if (status != LK_STORE_OK)
        return status;

    const char *values[] = {user_id, request->token_hash_hex, ttl, request->reset_url,
                            request->request_id};
    return lk_db_command(
        connection,
        "WITH token AS (INSERT INTO password_reset_tokens (user_id, token_hash, expires_at) "
        " VALUES ($1::uuid, $2, now() + make_interval(secs => $3::bigint)) "
        " RETURNING user_id, expires_at) "
        "INSERT INTO outbox (kind, payload) "
        "SELECT '" LK_OUTBOX_KIND_PASSWORD_RESET "', jsonb_build_object('to', u.email, "
        " 'user_id', u.id, 'reset_url', $4::text, "
        " 'expires_at', to_char(token.expires_at AT TIME ZONE 'UTC', "
        "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'request_id', $5::text) "
        "FROM token JOIN users u ON u.id = token.user_id",
        5, values, PGRES_COMMAND_OK, "store reset token and message");
}

lk_store_result_t lk_store_password_reset_create(PGconn *connection,
                                                 const lk_password_reset_request_t *request,
                                                 char user_id[37])
{
    char normalized[LK_EMAIL_MAX_LENGTH + 1];
    user_id[0] = '\0';
    if (lk_email_normalized_length(request->email) > LK_EMAIL_MAX_LENGTH)
        return LK_STORE_NOT_FOUND;
    lk_email_normalize(request->email, normalized, sizeof(normalized));

    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = lock_user(connection, normalized, user_id);
    if (status == LK_STORE_OK)
        status = store_token_and_message(connection, user_id, request);
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:s}", "request_id", request->request_id);
        status = details != NULL ? lk_store_audit(connection, "user.password_reset_requested",
                                                  "anonymous", user_id, details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    return lk_store_finish_transaction(connection, status);
}

/* Copies the owner columns (user id, normalized email) of the first row. */
static lk_store_result_t copy_owner(const PGresult *result, lk_password_reset_owner_t *owner)
{
    if (lk_db_copy_text(result, 0, 0, owner->user_id, sizeof(owner->user_id)) != 0 ||
        lk_db_copy_text(result, 0, 1, owner->email_normalized, sizeof(owner->email_normalized)) !=
            0)
        return LK_STORE_ERROR;
    return LK_STORE_OK;
}

lk_store_result_t lk_store_password_reset_find(PGconn *connection, const char *token_hash_hex,
                                               lk_password_reset_owner_t *owner)
{
    const char *values[] = {token_hash_hex};
    PGresult *result = lk_db_query(connection,
                                   "SELECT u.id, u.email_normalized FROM password_reset_tokens t "
                                   "JOIN users u ON u.id = t.user_id "
                                   "WHERE t.token_hash = $1 AND " VALID_TOKEN,
                                   1, values);

    memset(owner, 0, sizeof(*owner));
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "find reset token");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK)
        status = copy_owner(result, owner);
    PQclear(result);
    return status;
}

/* Marks a valid token used and returns its owner. Part of complete. */
static lk_store_result_t use_token(PGconn *connection, const char *token_hash_hex,
                                   lk_password_reset_owner_t *owner)
{
    const char *values[] = {token_hash_hex};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE password_reset_tokens t SET used_at = now() "
                                   "FROM users u WHERE u.id = t.user_id AND t.token_hash = $1 "
                                   "AND " VALID_TOKEN " RETURNING u.id, u.email_normalized",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "use reset token");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK)
        status = copy_owner(result, owner);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_password_reset_complete(PGconn *connection, const char *token_hash_hex,
                                                   const char *new_hash, const char *request_id,
                                                   lk_password_reset_owner_t *owner,
                                                   int64_t *sessions_revoked)
{
    int64_t revoked = 0;
    memset(owner, 0, sizeof(*owner));
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = use_token(connection, token_hash_hex, owner);
    if (status == LK_STORE_OK)
        status = lk_store_user_set_password(connection, owner->user_id, NULL, new_hash);
    if (status == LK_STORE_OK) {
        lk_revoked_sessions_t sessions;
        status = lk_store_sessions_end_all(connection, owner->user_id, "password_reset", 0,
                                           &sessions);
        revoked = (int64_t)sessions.ended_now;
        lk_revoked_sessions_dispose(&sessions);
    }
    if (status == LK_STORE_OK) {
        json_t *details = json_pack("{s:s, s:I}", "request_id", request_id, "sessions_revoked",
                                    (json_int_t)revoked);
        status = details != NULL ? lk_store_audit(connection, "user.password_reset", owner->user_id,
                                                  owner->user_id, details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    status = lk_store_finish_transaction(connection, status);
    if (status == LK_STORE_OK && sessions_revoked != NULL)
        *sessions_revoked = revoked;
    return status;
}
