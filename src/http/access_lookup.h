/*
 * The lookups that authorisation needs: a service client's record, and the role a user
 * has in an organisation. The caches are read on the event loop. Whatever they miss is
 * read from PostgreSQL by one worker job, which also stores the results in the caches,
 * and the handler then continues on the loop with every result known.
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
 * its result in `memberships`. Asking for the same pair twice returns the first index.
 * At most LK_LOOKUP_MAX_MEMBERSHIPS different pairs fit, and a further pair returns the
 * last index.
 */
size_t lk_access_lookup_add_membership(lk_access_lookup_t *lookup, const char *org_id,
                                       const char *user_id);

/*
 * Completes a copy of `lookup` and calls `then` with it and `context`: at once when the
 * caches contain every fact, else after a worker job. `context` must live as long as the
 * request, so allocate it in the request's pool. `then` is not called when the client has
 * gone away, nor after a database failure or a full worker queue, for which this sends
 * 503 or 500 itself. Event-loop thread.
 */
void lk_access_lookup_run(lk_request_t *request, const lk_access_lookup_t *lookup,
                          lk_access_lookup_fn then, void *context);

#endif
