/* Users in PostgreSQL: creation, lookup by email, password-hash updates, disabling. */
#include "store/users.h"

#include "store/audit.h"

#include <sodium.h>
#include <string.h>

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Finds the span of `email` without surrounding whitespace. */
static void trimmed_span(const char *email, size_t *start, size_t *length)
{
    size_t end = strlen(email);
    size_t begin = 0;

    while (begin < end && is_ascii_space(email[begin]))
        begin++;
    while (end > begin && is_ascii_space(email[end - 1]))
        end--;
    *start = begin;
    *length = end - begin;
}

size_t lk_email_normalized_length(const char *email)
{
    size_t start = 0;
    size_t length = 0;
    trimmed_span(email, &start, &length);
    return length;
}

void lk_email_normalize(const char *email, char *output, size_t size)
{
    if (size == 0)
        return;

    size_t start = 0;
    size_t length = 0;
    trimmed_span(email, &start, &length);
    if (length >= size)
        length = size - 1;

    for (size_t i = 0; i < length; i++) {
        char c = email[start + i];
        output[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    output[length] = '\0';
}

/* Normalizes `email` into `output`, rejecting an empty or over-long result. */
static int normalize_checked(const char *email, char output[LK_EMAIL_MAX_LENGTH + 1])
{
    size_t length = lk_email_normalized_length(email);
    if (length == 0 || length > LK_EMAIL_MAX_LENGTH)
        return -1;
    lk_email_normalize(email, output, LK_EMAIL_MAX_LENGTH + 1);
    return 0;
}

/* Inserts the users row. Part of lk_store_user_create. */
static lk_store_result_t insert_user(PGconn *connection, const char *email,
                                     const char *normalized, const char *password_hash,
                                     char id[37], int64_t *created_at)
{
    const char *values[] = {email, normalized, password_hash};
    PGresult *result = lk_db_query(
        connection,
        "INSERT INTO users (email, email_normalized, password_hash) VALUES ($1, $2, $3) "
        "RETURNING id, extract(epoch FROM created_at)::bigint",
        3, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "create user");
    if (status == LK_STORE_OK && lk_db_copy_text(result, 0, 0, id, 37) != 0)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK && created_at != NULL)
        *created_at = lk_db_get_int64(result, 0, 1);
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

lk_store_result_t lk_store_user_create(PGconn *connection, const char *email,
                                       const char *password_hash, const char *actor,
                                       char id[37], int64_t *created_at)
{
    char normalized[LK_EMAIL_MAX_LENGTH + 1];
    id[0] = '\0';
    if (normalize_checked(email, normalized) != 0 || strlen(email) > LK_EMAIL_MAX_LENGTH)
        return LK_STORE_ERROR;

    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = insert_user(connection, email, normalized, password_hash, id, created_at);
    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "user.created", actor, id, NULL);
    status = finish_transaction(connection, status);
    if (status != LK_STORE_OK)
        id[0] = '\0';
    return status;
}

/* Fills `user` from the first row of `result`. Returns 0, or -1 when a field is too long. */
static int copy_user(const PGresult *result, lk_user_record_t *user)
{
    if (lk_db_copy_text(result, 0, 0, user->id, sizeof user->id) != 0 ||
        lk_db_copy_text(result, 0, 1, user->email, sizeof user->email) != 0 ||
        lk_db_copy_text(result, 0, 2, user->password_hash, sizeof user->password_hash) != 0)
        return -1;
    user->disabled = strcmp(PQgetvalue(result, 0, 3), "t") == 0;
    return 0;
}

lk_store_result_t lk_store_user_find_by_email(PGconn *connection, const char *email,
                                              lk_user_record_t *user)
{
    char normalized[LK_EMAIL_MAX_LENGTH + 1];
    memset(user, 0, sizeof *user);
    if (normalize_checked(email, normalized) != 0)
        return LK_STORE_NOT_FOUND;

    const char *values[] = {normalized};
    PGresult *result = lk_db_query(connection,
                                   "SELECT id, email, password_hash, disabled_at IS NOT NULL "
                                   "FROM users WHERE email_normalized = $1",
                                   1, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "find user by email");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_user(result, user) != 0) {
        sodium_memzero(user, sizeof *user);
        status = LK_STORE_ERROR;
    }
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_user_replace_password_hash(PGconn *connection, const char *user_id,
                                                      const char *expected_old_hash,
                                                      const char *new_hash)
{
    const char *values[] = {user_id, expected_old_hash, new_hash};
    PGresult *result = lk_db_query(
        connection,
        "UPDATE users SET password_hash = $3 WHERE id = $1::uuid AND password_hash = $2", 3,
        values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_COMMAND_OK, "replace password hash");
    if (status == LK_STORE_OK && strcmp(PQcmdTuples(result), "1") != 0)
        status = LK_STORE_NOT_FOUND;
    PQclear(result);
    return status;
}

/* Sets disabled_at (keeping an earlier one) and stores the user id. Part of disable. */
static lk_store_result_t mark_disabled(PGconn *connection, const char *normalized,
                                       char id[37])
{
    const char *values[] = {normalized};
    PGresult *result = lk_db_query(connection,
                                   "UPDATE users SET disabled_at = coalesce(disabled_at, now()) "
                                   "WHERE email_normalized = $1 RETURNING id",
                                   1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "disable user");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && lk_db_copy_text(result, 0, 0, id, 37) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_user_disable(PGconn *connection, const char *email,
                                        const char *actor, char user_id[37])
{
    char normalized[LK_EMAIL_MAX_LENGTH + 1];
    if (normalize_checked(email, normalized) != 0)
        return LK_STORE_NOT_FOUND;

    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    char id[37];
    status = mark_disabled(connection, normalized, id);
    if (status == LK_STORE_OK) {
        const char *values[] = {id};
        status = lk_db_command(connection,
                               "UPDATE sessions SET revoked_at = now(), "
                               "revoked_reason = 'user_disabled' "
                               "WHERE user_id = $1::uuid AND revoked_at IS NULL",
                               1, values, PGRES_COMMAND_OK, "revoke sessions of disabled user");
    }
    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "user.disabled", actor, id, NULL);
    status = finish_transaction(connection, status);
    if (status != LK_STORE_OK)
        return status;

    if (user_id != NULL)
        memcpy(user_id, id, sizeof id);
    return LK_STORE_OK;
}
