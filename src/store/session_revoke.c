/* Ending sessions in PostgreSQL; see session_revoke.h. */
#include "store/session_revoke.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The UPDATE and the audit INSERT run in one statement, so both happen or neither does.
 * The second SELECT reads the snapshot taken before the UPDATE, so it lists only the
 * sessions that were revoked before this call.
 */
#define END_ALL_SQL                                                                         \
    "WITH ended AS ("                                                                       \
    " UPDATE sessions SET revoked_at = now(), revoked_reason = $2"                          \
    " WHERE user_id = $1::uuid AND revoked_at IS NULL"                                      \
    " RETURNING id, revoked_at),"                                                           \
    " recorded AS ("                                                                        \
    " INSERT INTO audit_events (event, actor, subject, details)"                            \
    " SELECT 'session.ended_all', 'system', $1::uuid::text,"                                \
    " jsonb_build_object('reason', $2::text, 'sessions', count(*))"                         \
    " FROM ended HAVING count(*) > 0)"                                                      \
    " SELECT id, extract(epoch FROM revoked_at)::bigint, true FROM ended"                   \
    " UNION ALL"                                                                            \
    " SELECT id, extract(epoch FROM revoked_at)::bigint, false FROM sessions"               \
    " WHERE user_id = $1::uuid AND revoked_at > now() - make_interval(secs => $3::bigint)"

#define END_ONE_RETURNING                                                                   \
    " RETURNING s.id, s.user_id, s.revoked_at),"                                            \
    " recorded AS ("                                                                        \
    " INSERT INTO audit_events (event, actor, subject, details)"                            \
    " SELECT $3, coalesce($4, user_id::text), user_id::text,"                               \
    " $5::jsonb || jsonb_build_object('session_id', id, 'reason', $2::text) FROM ended)"    \
    " SELECT id, extract(epoch FROM revoked_at)::bigint FROM ended"

#define END_BY_ID_SQL                                                                       \
    "WITH ended AS ("                                                                       \
    " UPDATE sessions s SET revoked_at = now(), revoked_reason = $2"                        \
    " WHERE s.id = $1::uuid AND s.revoked_at IS NULL" END_ONE_RETURNING

#define END_BY_TOKEN_SQL                                                                    \
    "WITH ended AS ("                                                                       \
    " UPDATE sessions s SET revoked_at = now(), revoked_reason = $2"                        \
    " FROM refresh_tokens t"                                                                \
    " WHERE t.token_hash = $1 AND s.id = t.session_id AND s.revoked_at IS NULL"             \
    END_ONE_RETURNING

#define RECENTLY_REVOKED_SQL                                                                \
    "SELECT id, extract(epoch FROM revoked_at)::bigint FROM sessions"                       \
    " WHERE revoked_at > now() - make_interval(secs => $1::bigint)"                         \
    " ORDER BY revoked_at DESC LIMIT $2::bigint"

void lk_revoked_sessions_dispose(lk_revoked_sessions_t *sessions)
{
    free(sessions->items);
    memset(sessions, 0, sizeof *sessions);
}

/*
 * Copies the rows of `result` (id, revoked_at epoch and, when `flag_column` is not -1, a
 * boolean "ended now") into `sessions`. Returns LK_STORE_OK or LK_STORE_ERROR.
 */
static lk_store_result_t copy_rows(const PGresult *result, int flag_column,
                                   lk_revoked_sessions_t *sessions)
{
    int rows = PQntuples(result);
    if (rows == 0)
        return LK_STORE_OK;

    sessions->items = calloc((size_t)rows, sizeof *sessions->items);
    if (sessions->items == NULL)
        return LK_STORE_ERROR;

    for (int row = 0; row < rows; row++) {
        lk_revoked_session_t *item = &sessions->items[sessions->count];
        if (lk_db_copy_text(result, row, 0, item->session_id, sizeof item->session_id) != 0)
            return LK_STORE_ERROR;
        item->revoked_at = lk_db_get_int64(result, row, 1);
        sessions->count++;
        if (flag_column >= 0 && strcmp(PQgetvalue(result, row, flag_column), "t") == 0)
            sessions->ended_now++;
    }
    return LK_STORE_OK;
}

lk_store_result_t lk_store_sessions_end_all(PGconn *connection, const char *user_id,
                                            const char *reason, int64_t recent_seconds,
                                            lk_revoked_sessions_t *sessions)
{
    char recent[24];
    memset(sessions, 0, sizeof *sessions);
    snprintf(recent, sizeof recent, "%" PRId64, recent_seconds);

    const char *values[] = {user_id, reason, recent};
    PGresult *result = lk_db_query(connection, END_ALL_SQL, 3, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "end all sessions of a user");
    if (status == LK_STORE_OK)
        status = copy_rows(result, 2, sessions);
    PQclear(result);
    if (status != LK_STORE_OK)
        lk_revoked_sessions_dispose(sessions);
    return status;
}

lk_store_result_t lk_store_session_end(PGconn *connection,
                                       const lk_session_end_request_t *request,
                                       lk_revoked_session_t *ended)
{
    memset(ended, 0, sizeof *ended);
    char *details = request->details != NULL ? json_dumps(request->details, JSON_COMPACT)
                                             : NULL;
    if (request->details != NULL && details == NULL)
        return LK_STORE_ERROR;

    bool by_id = request->session_id != NULL;
    const char *values[] = {by_id ? request->session_id : request->refresh_token_hash,
                            request->reason, request->event, request->actor,
                            details != NULL ? details : "{}"};
    PGresult *result =
        lk_db_query(connection, by_id ? END_BY_ID_SQL : END_BY_TOKEN_SQL, 5, values);
    free(details);

    lk_store_result_t status = lk_db_result(connection, result, PGRES_TUPLES_OK, "end session");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK &&
        lk_db_copy_text(result, 0, 0, ended->session_id, sizeof ended->session_id) != 0)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        ended->revoked_at = lk_db_get_int64(result, 0, 1);
    PQclear(result);
    return status;
}

lk_store_result_t lk_store_sessions_recently_revoked(PGconn *connection, int64_t recent_seconds,
                                                     int64_t limit,
                                                     lk_revoked_sessions_t *sessions)
{
    char recent[24];
    char maximum[24];
    memset(sessions, 0, sizeof *sessions);
    snprintf(recent, sizeof recent, "%" PRId64, recent_seconds);
    snprintf(maximum, sizeof maximum, "%" PRId64, limit);

    const char *values[] = {recent, maximum};
    PGresult *result = lk_db_query(connection, RECENTLY_REVOKED_SQL, 2, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "list recently revoked sessions");
    if (status == LK_STORE_OK)
        status = copy_rows(result, -1, sessions);
    PQclear(result);
    if (status != LK_STORE_OK)
        lk_revoked_sessions_dispose(sessions);
    return status;
}
