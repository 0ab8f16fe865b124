/* Operator-driven signing-key changes (activate, retire, revoke) and the steps they share. */
#include "store/signing_key_changes.h"

#include "keys/keyring_loader.h"
#include "store/audit.h"
#include "store/signing_key_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Serialises key changes: the ASCII bytes of "lk-keys!" read as a big-endian bigint. */
#define KEY_CHANGE_LOCK "7812387917891466017"

/* An RFC 3339 UTC rendering of a timestamptz column, for audit details. */
#define UTC_TEXT(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

lk_store_result_t lk_key_change_begin(PGconn *connection)
{
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;
    status = lk_db_command(connection, "SELECT pg_advisory_xact_lock(" KEY_CHANGE_LOCK ")", 0,
                           NULL, PGRES_TUPLES_OK, "lock key changes");
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

lk_store_result_t lk_key_change_try_begin(PGconn *connection, bool *acquired)
{
    *acquired = false;
    lk_store_result_t status = lk_db_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    PGresult *result =
        lk_db_query(connection, "SELECT pg_try_advisory_xact_lock(" KEY_CHANGE_LOCK ")", 0, NULL);
    status = lk_db_result(connection, result, PGRES_TUPLES_OK, "try to lock key changes");
    if (status == LK_STORE_OK)
        *acquired = strcmp(PQgetvalue(result, 0, 0), "t") == 0;
    PQclear(result);

    if (status != LK_STORE_OK || !*acquired)
        lk_db_rollback(connection);
    return status;
}

lk_store_result_t lk_key_change_finish(PGconn *connection, lk_store_result_t status)
{
    if (status == LK_STORE_OK)
        status = lk_db_commit(connection);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

/* Records an audit event whose details are {"<name>": value}; a NULL value is JSON null. */
static lk_store_result_t audit_one(PGconn *connection, const char *event, const char *actor,
                                   const char *kid, const char *name, const char *value)
{
    json_t *details = json_pack("{s:s?}", name, value);
    if (details == NULL)
        return LK_STORE_ERROR;
    lk_store_result_t status = lk_store_audit(connection, event, actor, kid, details);
    json_decref(details);
    return status;
}

lk_store_result_t lk_key_lock_state(PGconn *connection, const char *kid, lk_key_state_t *state)
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

/*
 * Retires the active key, if any, keeping it published for `retire_window` seconds, and
 * records it in change->retired and change->remove_after.
 */
static lk_store_result_t retire_active(PGconn *connection, int64_t retire_window,
                                       const char *successor, const char *actor,
                                       lk_key_change_t *change)
{
    char window[24];
    snprintf(window, sizeof window, "%" PRId64, retire_window);
    const char *values[] = {window};
    PGresult *result = lk_db_query(
        connection,
        "UPDATE signing_keys SET state = 'retired', retired_at = now(),"
        " remove_after = now() + make_interval(secs => $1::bigint)"
        " WHERE state = 'active'"
        " RETURNING kid, ceil(extract(epoch FROM remove_after))::bigint, " UTC_TEXT("remove_after"),
        1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "retire key");
    if (status != LK_STORE_OK || PQntuples(result) == 0) {
        PQclear(result);
        return status;
    }
    if (lk_db_copy_text(result, 0, 0, change->retired, sizeof change->retired) != 0)
        status = LK_STORE_ERROR;
    change->remove_after = lk_db_get_int64(result, 0, 1);

    json_t *details = json_pack("{s:s, s:s}", "successor", successor, "remove_after",
                                PQgetvalue(result, 0, 2));
    if (details == NULL && status == LK_STORE_OK)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "key.retired", actor, change->retired, details);
    json_decref(details);
    PQclear(result);
    return status;
}

/* Clears every other scheduled activation, because the operator's or the schedule's
 * latest choice of signing key wins, and records each cancellation. */
static lk_store_result_t cancel_schedules(PGconn *connection, const char *activated,
                                          const char *actor, lk_key_change_t *change)
{
    PGresult *result = lk_db_query(connection,
                                   "UPDATE signing_keys SET activate_after = NULL"
                                   " WHERE state = 'pending' AND activate_after IS NOT NULL"
                                   " RETURNING kid",
                                   0, NULL);
    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "cancel scheduled activations");

    int rows = status == LK_STORE_OK ? PQntuples(result) : 0;
    for (int row = 0; row < rows && status == LK_STORE_OK; row++) {
        status = audit_one(connection, "key.activation_cancelled", actor,
                           PQgetvalue(result, row, 0), "superseded_by", activated);
        change->cancelled++;
    }
    PQclear(result);
    return status;
}

/* Sets `kid` active and stores how long it had been published. */
static lk_store_result_t set_active(PGconn *connection, const char *kid, lk_key_change_t *change)
{
    const char *values[] = {kid};
    PGresult *result = lk_db_query(
        connection,
        "UPDATE signing_keys SET state = 'active', activated_at = now(), activate_after = NULL"
        " WHERE kid = $1 RETURNING floor(extract(epoch FROM now() - created_at))::bigint",
        1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "activate key");
    if (status == LK_STORE_OK && PQntuples(result) != 1)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK) {
        change->activated_published_for = lk_db_get_int64(result, 0, 0);
        snprintf(change->activated, sizeof change->activated, "%s", kid);
    }
    PQclear(result);
    return status;
}

lk_store_result_t lk_key_activate_locked(PGconn *connection, const char *kid,
                                         int64_t retire_window, const char *actor,
                                         lk_key_change_t *change)
{
    lk_store_result_t status = retire_active(connection, retire_window, kid, actor, change);
    if (status == LK_STORE_OK)
        status = set_active(connection, kid, change);
    if (status == LK_STORE_OK)
        status = cancel_schedules(connection, kid, actor, change);
    if (status == LK_STORE_OK)
        status = audit_one(connection, "key.activated", actor, kid, "previous",
                           change->retired[0] != '\0' ? change->retired : NULL);
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return status;
}

/* Starts a change of `kid`: takes the lock, reads and locks its state into change->state. */
static lk_store_result_t begin_key_change(PGconn *connection, const char *kid,
                                          lk_key_change_t *change)
{
    memset(change, 0, sizeof *change);
    lk_store_result_t status = lk_key_change_begin(connection);
    if (status != LK_STORE_OK)
        return status;
    status = lk_key_lock_state(connection, kid, &change->state);
    if (status != LK_STORE_OK)
        lk_db_rollback(connection);
    return status;
}

lk_store_result_t lk_store_signing_key_activate(PGconn *connection, const char *kid,
                                                int64_t retire_window, const char *actor,
                                                lk_key_change_t *change)
{
    lk_store_result_t status = begin_key_change(connection, kid, change);
    if (status != LK_STORE_OK)
        return status;

    if (change->state == LK_KEY_PENDING)
        status = lk_key_activate_locked(connection, kid, retire_window, actor, change);
    else if (change->state != LK_KEY_ACTIVE)
        status = LK_STORE_CONFLICT;
    return lk_key_change_finish(connection, status);
}

/* Retires a pending key, which never signed, so that it is removed at the next pass. */
static lk_store_result_t retire_pending(PGconn *connection, const char *kid, const char *actor,
                                        lk_key_change_t *change)
{
    const char *values[] = {kid};
    PGresult *result = lk_db_query(
        connection,
        "UPDATE signing_keys SET state = 'retired', retired_at = now(), remove_after = now(),"
        " activate_after = NULL WHERE kid = $1"
        " RETURNING ceil(extract(epoch FROM remove_after))::bigint, " UTC_TEXT("remove_after"),
        1, values);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "retire key");
    if (status == LK_STORE_OK && PQntuples(result) != 1)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK) {
        change->remove_after = lk_db_get_int64(result, 0, 0);
        json_t *details = json_pack("{s:n, s:s}", "successor", "remove_after",
                                    PQgetvalue(result, 0, 1));
        status = details != NULL ? lk_store_audit(connection, "key.retired", actor, kid, details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    PQclear(result);
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return status;
}

lk_store_result_t lk_store_signing_key_retire(PGconn *connection, const char *kid,
                                              const char *actor, lk_key_change_t *change)
{
    lk_store_result_t status = begin_key_change(connection, kid, change);
    if (status != LK_STORE_OK)
        return status;

    if (change->state == LK_KEY_PENDING)
        status = retire_pending(connection, kid, actor, change);
    else if (change->state != LK_KEY_RETIRED)
        status = LK_STORE_CONFLICT;
    return lk_key_change_finish(connection, status);
}

/* Finds the newest pending key and locks it. Stores "" in `kid` when there is none. */
static lk_store_result_t find_newest_pending(PGconn *connection,
                                             char kid[LK_KID_MAX_LENGTH + 1])
{
    PGresult *result = lk_db_query(connection,
                                   "SELECT kid FROM signing_keys WHERE state = 'pending'"
                                   " ORDER BY created_at DESC, kid DESC LIMIT 1 FOR UPDATE",
                                   0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "find pending");
    kid[0] = '\0';
    if (status == LK_STORE_OK && PQntuples(result) == 1 &&
        lk_db_copy_text(result, 0, 0, kid, LK_KID_MAX_LENGTH + 1) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}

/* Revokes `kid`: unpublished and its sealed private key wiped. */
static lk_store_result_t mark_revoked(PGconn *connection, const char *kid)
{
    const char *values[] = {kid};
    return lk_db_command(connection,
                         "UPDATE signing_keys SET state = 'revoked', revoked_at = now(),"
                         " private_key_sealed = NULL, activate_after = NULL, remove_after = NULL"
                         " WHERE kid = $1",
                         1, values, PGRES_COMMAND_OK, "revoke key");
}

/* Revokes the active key `kid` and activates the newest pending key in its place. */
static lk_store_result_t revoke_active(PGconn *connection, const char *kid,
                                       int64_t retire_window, const char *actor,
                                       lk_key_change_t *change)
{
    char successor[LK_KID_MAX_LENGTH + 1];
    lk_store_result_t status = find_newest_pending(connection, successor);
    if (status == LK_STORE_OK && successor[0] == '\0')
        return LK_STORE_CONFLICT;

    if (status == LK_STORE_OK)
        status = mark_revoked(connection, kid);
    if (status == LK_STORE_OK)
        status = audit_one(connection, "key.revoked", actor, kid, "successor", successor);
    if (status == LK_STORE_OK)
        status = lk_key_activate_locked(connection, successor, retire_window, actor, change);
    return status;
}

lk_store_result_t lk_store_signing_key_revoke(PGconn *connection, const char *kid,
                                              int64_t retire_window, const char *actor,
                                              lk_key_change_t *change)
{
    lk_store_result_t status = begin_key_change(connection, kid, change);
    if (status != LK_STORE_OK)
        return status;

    switch (change->state) {
    case LK_KEY_ACTIVE:
        status = revoke_active(connection, kid, retire_window, actor, change);
        break;
    case LK_KEY_PENDING:
    case LK_KEY_RETIRED:
        status = mark_revoked(connection, kid);
        if (status == LK_STORE_OK)
            status = audit_one(connection, "key.revoked", actor, kid, "successor", NULL);
        if (status == LK_STORE_OK)
            status = lk_store_keys_notify(connection);
        break;
    case LK_KEY_REVOKED:
        break;
    case LK_KEY_REMOVED:
    default:
        status = LK_STORE_CONFLICT;
        break;
    }
    return lk_key_change_finish(connection, status);
}
