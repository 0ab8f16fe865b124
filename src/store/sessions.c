/* Sessions in PostgreSQL. */
#include "store/sessions.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Both rows in one statement: a data-modifying CTE runs in the statement's transaction. */
#define CREATE_SESSION_SQL                                                                  \
    "WITH new_session AS ("                                                                 \
    " INSERT INTO sessions (user_id, client_id, org_id, expires_at, idle_expires_at)"       \
    " VALUES ($1::uuid, $2, $3::uuid, now() + make_interval(secs => $4::bigint),"          \
    " now() + make_interval(secs => $5::bigint))"                                          \
    " RETURNING id, least(expires_at, idle_expires_at) AS refresh_expires_at)"             \
    " INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"                     \
    " SELECT id, $6, refresh_expires_at FROM new_session"                                  \
    " RETURNING session_id, extract(epoch FROM expires_at - now())::bigint"

lk_store_result_t lk_store_session_create(PGconn *connection, const lk_session_request_t *request,
                                          lk_session_record_t *created)
{
    char absolute[24];
    char idle[24];
    memset(created, 0, sizeof *created);
    if (request->absolute_ttl_seconds <= 0 || request->idle_timeout_seconds <= 0)
        return LK_STORE_ERROR;
    snprintf(absolute, sizeof absolute, "%" PRId64, request->absolute_ttl_seconds);
    snprintf(idle, sizeof idle, "%" PRId64, request->idle_timeout_seconds);

    const char *values[] = {request->user_id, request->client_id, request->org_id,
                            absolute,          idle,               request->refresh_token_hash_hex};
    PGresult *result = lk_db_query(connection, CREATE_SESSION_SQL, 6, values);

    lk_store_result_t status =
        lk_db_result(connection, result, PGRES_TUPLES_OK, "create session");
    if (status == LK_STORE_OK &&
        lk_db_copy_text(result, 0, 0, created->session_id, sizeof created->session_id) != 0)
        status = LK_STORE_ERROR;
    if (status == LK_STORE_OK)
        created->refresh_expires_in = lk_db_get_int64(result, 0, 1);
    PQclear(result);
    return status;
}
