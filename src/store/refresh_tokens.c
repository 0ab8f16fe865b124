/* Refresh-token rotation in PostgreSQL; see refresh_tokens.h. */
#include "store/refresh_tokens.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * One statement, so the token is marked used, the session touched and the successor
 * inserted together or not at all. Under READ COMMITTED a concurrent rotation of the
 * same token waits for the row lock and then finds used_at set, so it matches no row.
 * Every statement here locks the token row before the session row, which rules out
 * deadlocks between them.
 */
#define ROTATE_SQL                                                                          \
    "WITH rotated AS ("                                                                     \
    " UPDATE refresh_tokens t SET used_at = now(), successor_sealed = $3"                  \
    " FROM sessions s JOIN users u ON u.id = s.user_id"                                    \
    " WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()"              \
    " AND s.id = t.session_id AND s.revoked_at IS NULL"                                    \
    " AND s.expires_at > now() AND s.idle_expires_at > now() AND u.disabled_at IS NULL"   \
    " RETURNING t.id, t.session_id),"                                                      \
    " touched AS ("                                                                         \
    " UPDATE sessions s SET last_used_at = now(),"                                         \
    " idle_expires_at = least(s.expires_at, now() + make_interval(secs => $4::bigint)),"   \
    " org_id = coalesce($5::uuid, s.org_id)"                                               \
    " FROM rotated r WHERE s.id = r.session_id"                                            \
    " RETURNING s.id, s.user_id, s.client_id, s.org_id, s.idle_expires_at),"               \
    " successor AS ("                                                                       \
    " INSERT INTO refresh_tokens (session_id, token_hash, parent_id, expires_at)"          \
    " SELECT r.session_id, $2, r.id, t.idle_expires_at"                                    \
    " FROM rotated r JOIN touched t ON t.id = r.session_id)"                               \
    " SELECT id, user_id, client_id, coalesce(org_id::text, ''),"                          \
    " ceil(extract(epoch FROM idle_expires_at - now()))::bigint FROM touched"

/* The grace check uses the database clock, like the rotation that set used_at. */
#define FIND_SQL                                                                            \
    "SELECT t.id, s.id, s.user_id, s.client_id, coalesce(s.org_id::text, ''),"             \
    " t.used_at IS NOT NULL,"                                                               \
    " coalesce(t.used_at > now() - make_interval(secs => $2::bigint), false),"             \
    " EXISTS (SELECT 1 FROM refresh_tokens c WHERE c.parent_id = t.id"                     \
    " AND c.used_at IS NULL),"                                                              \
    " s.revoked_at IS NOT NULL,"                                                            \
    " least(s.expires_at, s.idle_expires_at, t.expires_at) <= now(),"                      \
    " u.disabled_at IS NOT NULL,"                                                           \
    " coalesce(t.successor_sealed, ''),"                                                    \
    " greatest(0, ceil(extract(epoch FROM least(s.expires_at, s.idle_expires_at) - now())))" \
    "::bigint"                                                                              \
    " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"                        \
    " JOIN users u ON u.id = s.user_id WHERE t.token_hash = $1"

/* Copies id, user id, client id and organisation id from columns `first`.. of row 0. */
static int copy_session(const PGresult *result, int first, lk_refresh_session_t *session)
{
    if (lk_db_copy_text(result, 0, first, session->session_id, sizeof session->session_id) != 0 ||
        lk_db_copy_text(result, 0, first + 1, session->user_id, sizeof session->user_id) != 0 ||
        lk_db_copy_text(result, 0, first + 2, session->client_id, sizeof session->client_id) !=
            0 ||
        lk_db_copy_text(result, 0, first + 3, session->org_id, sizeof session->org_id) != 0)
        return -1;
    return 0;
}

lk_store_result_t lk_store_refresh_token_rotate(PGconn *connection,
                                                const lk_refresh_rotation_t *rotation,
                                                lk_refresh_session_t *session)
{
    char idle[24];
    memset(session, 0, sizeof *session);
    snprintf(idle, sizeof idle, "%" PRId64, rotation->idle_timeout_seconds);

    const char *values[] = {rotation->token_hash, rotation->successor_hash,
                            rotation->successor_sealed, idle, rotation->org_id};
    PGresult *result = lk_db_query(connection, ROTATE_SQL, 5, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "rotate refresh token");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_session(result, 0, session) != 0)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        session->refresh_expires_in = lk_db_get_int64(result, 0, 4);
    PQclear(result);
    return status;
}

static bool get_bool(const PGresult *result, int column)
{
    return strcmp(PQgetvalue(result, 0, column), "t") == 0;
}

/* Fills `state` from row 0 of the FIND_SQL result. Returns 0, or -1 for a value too long. */
static int copy_state(const PGresult *result, lk_refresh_token_state_t *state)
{
    if (lk_db_copy_text(result, 0, 0, state->token_id, sizeof state->token_id) != 0 ||
        copy_session(result, 1, &state->session) != 0)
        return -1;

    state->used = get_bool(result, 5);
    state->used_within_grace = get_bool(result, 6);
    state->successor_unused = get_bool(result, 7);
    state->session_revoked = get_bool(result, 8);
    state->session_expired = get_bool(result, 9);
    state->user_disabled = get_bool(result, 10);
    if (lk_db_copy_text(result, 0, 11, state->successor_sealed,
                        sizeof state->successor_sealed) != 0)
        state->successor_sealed[0] = '\0';
    state->session.refresh_expires_in = lk_db_get_int64(result, 0, 12);
    return 0;
}

lk_store_result_t lk_store_refresh_token_find(PGconn *connection, const char *token_hash,
                                              int64_t grace_seconds,
                                              lk_refresh_token_state_t *state)
{
    char grace[24];
    memset(state, 0, sizeof *state);
    snprintf(grace, sizeof grace, "%" PRId64, grace_seconds);

    const char *values[] = {token_hash, grace};
    PGresult *result = lk_db_query(connection, FIND_SQL, 2, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "find refresh token");
    if (status == LK_STORE_OK && PQntuples(result) == 0)
        status = LK_STORE_NOT_FOUND;
    if (status == LK_STORE_OK && copy_state(result, state) != 0)
        status = LK_STORE_ERROR;
    PQclear(result);
    return status;
}
