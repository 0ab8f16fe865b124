/* Scheduled key changes: rotations, due activations and removals, and master-key re-sealing. */
#include "store/signing_key_changes.h"

#include "keys/keyring_loader.h"
#include "store/audit.h"
#include "store/signing_key_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Checks, under the key-change lock, that no rotation is scheduled yet and that the
 * active key is still the one the caller planned for. Returns LK_STORE_CONFLICT if not.
 */
static lk_store_result_t check_schedule_free(PGconn *connection, const char *expected_active)
{
    PGresult *result = lk_db_query(
        connection,
        "SELECT (SELECT count(*) FROM signing_keys"
        "        WHERE state = 'pending' AND activate_after IS NOT NULL),"
        " coalesce((SELECT kid FROM signing_keys WHERE state = 'active'), '')",
        0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "check schedule");

    if (status == LK_STORE_OK && (lk_db_get_int64(result, 0, 0) != 0 ||
                                  strcmp(PQgetvalue(result, 0, 1), expected_active) != 0))
        status = LK_STORE_CONFLICT;
    PQclear(result);
    return status;
}

/* Inserts `key` as pending, scheduled for max(now + delay, not_before), or unscheduled
 * when `immediate`. Records "key.created" with the algorithm and the schedule. */
static lk_store_result_t insert_pending(PGconn *connection, const lk_sealed_key_t *key,
                                        const lk_key_schedule_t *schedule, bool immediate,
                                        const char *actor)
{
    char delay[24];
    char not_before[24];
    snprintf(delay, sizeof delay, "%" PRId64, schedule->delay);
    snprintf(not_before, sizeof not_before, "%" PRId64, schedule->not_before);

    const char *alg = lk_jwt_alg_name(key->alg);
    /* Both NULL make activate_after NULL: greatest() ignores NULL arguments. */
    const char *values[] = {key->kid, alg, key->public_key_pem, key->private_key_sealed,
                            immediate ? NULL : delay, immediate ? NULL : not_before};
    PGresult *result = lk_db_query(
        connection,
        "INSERT INTO signing_keys"
        " (kid, alg, state, public_key_pem, private_key_sealed, activate_after)"
        " VALUES ($1, $2, 'pending', $3, $4,"
        "  greatest(now() + make_interval(secs => $5::bigint), to_timestamp($6::bigint)))"
        " RETURNING to_char(activate_after AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        6, values);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "insert key");

    if (status == LK_STORE_OK) {
        const char *activate_after = PQgetisnull(result, 0, 0) ? NULL : PQgetvalue(result, 0, 0);
        json_t *details = json_pack("{s:s, s:s?}", "alg", alg, "activate_after", activate_after);
        status = details != NULL ? lk_store_audit(connection, "key.created", actor, key->kid,
                                                  details)
                                 : LK_STORE_ERROR;
        json_decref(details);
    }
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_signing_key_insert_scheduled(PGconn *connection,
                                                        const lk_sealed_key_t *key,
                                                        const lk_key_schedule_t *schedule,
                                                        const char *actor,
                                                        lk_key_change_t *change)
{
    memset(change, 0, sizeof *change);
    bool immediate = schedule->delay == 0 && schedule->not_before == 0;
    lk_store_result_t status = lk_key_change_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = check_schedule_free(connection, schedule->expected_active);
    if (status == LK_STORE_OK)
        status = insert_pending(connection, key, schedule, immediate, actor);
    if (status == LK_STORE_OK && immediate)
        status = lk_key_activate_locked(connection, key->kid, schedule->retire_window, actor,
                                        change);
    else if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return lk_key_change_finish(connection, status);
}

/* Activates the newest pending key whose scheduled activation has come, if any. */
static lk_store_result_t activate_due(PGconn *connection, int64_t retire_window,
                                      const char *actor, lk_key_change_t *change)
{
    PGresult *result = lk_db_query(connection,
                                   "SELECT kid FROM signing_keys"
                                   " WHERE state = 'pending' AND activate_after <= now()"
                                   " ORDER BY activate_after DESC, created_at DESC LIMIT 1"
                                   " FOR UPDATE",
                                   0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "find due key");
    char kid[LK_KID_MAX_LENGTH + 1] = "";
    if (status == LK_STORE_OK && PQntuples(result) == 1 &&
        lk_db_copy_text(result, 0, 0, kid, sizeof kid) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);

    if (status == LK_STORE_OK && kid[0] != '\0')
        status = lk_key_activate_locked(connection, kid, retire_window, actor, change);
    return status;
}

/* Removes every retired key past its remove_after: unpublished, private key wiped. */
static lk_store_result_t remove_expired(PGconn *connection, const char *actor, size_t *removed)
{
    PGresult *result = lk_db_query(connection,
                                   "UPDATE signing_keys SET state = 'removed', removed_at = now(),"
                                   " private_key_sealed = NULL"
                                   " WHERE state = 'retired' AND remove_after <= now()"
                                   " RETURNING kid",
                                   0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "remove keys");

    int rows = status == LK_STORE_OK ? PQntuples(result) : 0;
    for (int row = 0; row < rows && status == LK_STORE_OK; row++) {
        status = lk_store_audit(connection, "key.removed", actor, PQgetvalue(result, row, 0),
                                NULL);
        (*removed)++;
    }
    PQclear(result);

    if (status == LK_STORE_OK && rows > 0)
        status = lk_store_keys_notify(connection);
    return status;
}

lk_store_result_t lk_store_signing_keys_run_due(PGconn *connection, int64_t retire_window,
                                                const char *actor, lk_key_due_work_t *work)
{
    memset(work, 0, sizeof *work);
    bool acquired = false;
    lk_store_result_t status = lk_key_change_try_begin(connection, &acquired);
    if (status != LK_STORE_OK || !acquired) {
        work->lock_busy = status == LK_STORE_OK;
        return status;
    }

    status = activate_due(connection, retire_window, actor, &work->activation);
    if (status == LK_STORE_OK)
        status = remove_expired(connection, actor, &work->removed);
    status = lk_key_change_finish(connection, status);
    if (status != LK_STORE_OK)
        memset(work, 0, sizeof *work);
    return status;
}

/* Re-seals one row through `reseal` and stores the result. */
static lk_store_result_t reseal_row(PGconn *connection, const char *kid, const char *sealed,
                                    lk_reseal_fn reseal, void *context,
                                    lk_reseal_report_t *report)
{
    char *resealed = NULL;
    int outcome = reseal(kid, sealed, &resealed, context);
    if (outcome < 0) {
        snprintf(report->failed, sizeof report->failed, "%s", kid);
        return LK_STORE_CONFLICT;
    }
    if (outcome == 0) {
        report->unchanged++;
        return LK_STORE_OK;
    }

    const char *values[] = {kid, resealed};
    lk_store_result_t status = lk_db_command(
        connection, "UPDATE signing_keys SET private_key_sealed = $2 WHERE kid = $1", 2, values,
        PGRES_COMMAND_OK, "store re-sealed key");
    free(resealed);
    if (status == LK_STORE_OK)
        report->resealed++;
    return status;
}

/* Re-seals every row that has a private key. Runs inside the key-change transaction. */
static lk_store_result_t reseal_rows(PGconn *connection, lk_reseal_fn reseal, void *context,
                                     lk_reseal_report_t *report)
{
    PGresult *result = lk_db_query(connection,
                                   "SELECT kid, private_key_sealed FROM signing_keys"
                                   " WHERE private_key_sealed IS NOT NULL ORDER BY kid FOR UPDATE",
                                   0, NULL);
    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "read sealed");

    int rows = status == LK_STORE_OK ? PQntuples(result) : 0;
    for (int row = 0; row < rows && status == LK_STORE_OK; row++)
        status = reseal_row(connection, PQgetvalue(result, row, 0), PQgetvalue(result, row, 1),
                            reseal, context, report);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_signing_keys_reseal(PGconn *connection, lk_reseal_fn reseal,
                                               void *context, const char *actor,
                                               json_t *details, lk_reseal_report_t *report)
{
    memset(report, 0, sizeof *report);
    lk_store_result_t status = lk_key_change_begin(connection);
    if (status != LK_STORE_OK)
        return status;

    status = reseal_rows(connection, reseal, context, report);
    json_t *recorded = details != NULL ? json_deep_copy(details) : json_object();
    if (recorded == NULL ||
        json_object_set_new(recorded, "resealed", json_integer((json_int_t)report->resealed)) ||
        json_object_set_new(recorded, "unchanged", json_integer((json_int_t)report->unchanged)))
        status = status == LK_STORE_OK ? LK_STORE_ERROR : status;
    if (status == LK_STORE_OK)
        status = lk_store_audit(connection, "master_key.rotated", actor, NULL, recorded);
    json_decref(recorded);

    /* The key ring does not change, but every instance reopens the active key now, so
     * that one without the new master key reports it at once instead of at the next
     * rotation. */
    if (status == LK_STORE_OK)
        status = lk_store_keys_notify(connection);
    return lk_key_change_finish(connection, status);
}
