/*
 * Answering the authorisation questions of a request: what a service client is, and
 * which role users hold in organisations. The caches answer on the event loop; whatever
 * they miss is read from PostgreSQL by one worker job, which stores the answers in the
 * caches, and the handler continues on the loop with every answer known.
 */
#ifndef LK_HTTP_ACCESS_LOOKUP_H
#define LK_HTTP_ACCESS_LOOKUP_H

#include "access/access_cache.h"
#include "http/request.h"

#define LK_LOOKUP_MAX_MEMBERSHIPS 2

typedef struct lk_membership_query {
    char org_id[37];
    char user_id[37];
    lk_membership_fact_t fact;
} lk_membership_query_t;

typedef struct lk_access_lookup {
    bool wants_client;
    char client_id[LK_CLIENT_ID_MAX_LENGTH + 1];
    lk_client_fact_t client;
    size_t membership_count;
    lk_membership_query_t memberships[LK_LOOKUP_MAX_MEMBERSHIPS];
} lk_access_lookup_t;

/* Called on the loop once every fact of `lookup` is known (present or absent). */
typedef void (*lk_access_lookup_fn)(lk_request_t *request, const lk_access_lookup_t *lookup,
                                    void *context);

/* Empties a lookup. */
void lk_access_lookup_init(lk_access_lookup_t *lookup);

/* Asks for the service client `client_id`. */
void lk_access_lookup_add_client(lk_access_lookup_t *lookup, const char *client_id);

/*
 * Asks for the role of `user_id` in `org_id` (both UUID text) and returns the index of
 * its answer in `memberships`. Asking for the same pair twice returns the first index.
 * At most LK_LOOKUP_MAX_MEMBERSHIPS different pairs fit; a further one returns the last.
 */
size_t lk_access_lookup_add_membership(lk_access_lookup_t *lookup, const char *org_id,
                                       const char *user_id);

/*
 * Answers `lookup` (copied) and calls `then` with the answers and `context`, at once when
 * the caches know everything, else after a worker job. `context` must live as long as the
 * request (allocate it in the request's pool); `then` is not called when the client has
 * gone away. On a database failure or a full worker queue this answers 503 or 500 itself
 * and `then` is not called. Event-loop thread.
 */
void lk_access_lookup_run(lk_request_t *request, const lk_access_lookup_t *lookup,
                          lk_access_lookup_fn then, void *context);

#endif
