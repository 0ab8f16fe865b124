/*
 * Service clients in PostgreSQL: the APIs that call latchkey with client credentials.
 * Only the hash of a secret is stored (see crypto/client_secret.h). Creating and revoking
 * a client writes an audit event and sends NOTIFY on LK_CLIENTS_CHANNEL in the same
 * transaction, so that running servers drop their cached copy once it commits.
 * Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_SERVICE_CLIENTS_H
#define LK_STORE_SERVICE_CLIENTS_H

#include "access/client_scopes.h"
#include "crypto/client_secret.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

/* The NOTIFY channel of client changes, with the client id as payload. */
#define LK_CLIENTS_CHANNEL "latchkey_clients"

/* In characters, as the service_clients_name_length constraint counts them. */
#define LK_CLIENT_NAME_MAX_CHARACTERS 200
#define LK_CLIENT_NAME_BUFFER_SIZE (LK_CLIENT_NAME_MAX_CHARACTERS * 4 + 1)

typedef struct lk_service_client_record {
    char id[LK_CLIENT_ID_MAX_LENGTH + 1];
    char name[LK_CLIENT_NAME_BUFFER_SIZE];
    char secret_hash[LK_CLIENT_SECRET_HASH_LENGTH + 1]; /* "" when stored in another format */
    lk_scope_set_t scopes; /* scope names this version does not know are left out */
    bool revoked;
    int64_t created_at; /* seconds since the epoch */
    int64_t revoked_at; /* 0 unless revoked */
} lk_service_client_record_t;

/*
 * Inserts a client with the given id, name, secret hash and scopes and the audit event
 * "client.created" by `actor`, in one transaction. Stores the creation time in
 * `created_at`. Returns LK_STORE_CONFLICT when the id is taken.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_service_client_create(
    PGconn *connection, const char *id, const char *name, const char *secret_hash,
    lk_scope_set_t scopes, const char *actor, int64_t *created_at);

/* Finds a client, revoked or not. Returns LK_STORE_NOT_FOUND when there is none. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_service_client_find(
    PGconn *connection, const char *id, lk_service_client_record_t *record);

/*
 * Revokes a client (keeping the first revocation time when it is revoked already) with
 * the audit event "client.revoked" by `actor`, and fills `record` with the result.
 * Returns LK_STORE_NOT_FOUND when there is no such client.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_service_client_revoke(
    PGconn *connection, const char *id, const char *actor, lk_service_client_record_t *record);

/* Called once per client. Returning non-zero stops the listing. */
typedef int (*lk_service_client_visit_fn)(const lk_service_client_record_t *record,
                                          void *context);

/* Visits every client, revoked ones included, in creation order. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_service_client_list(
    PGconn *connection, lk_service_client_visit_fn visit, void *context);

#endif
