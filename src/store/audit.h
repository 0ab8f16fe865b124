/*
 * The audit trail: one audit_events row per security-relevant change (keys, users,
 * sessions), recording who did it, what happened and to which object. Synchronous, for
 * worker threads and the command line.
 */
#ifndef LK_STORE_AUDIT_H
#define LK_STORE_AUDIT_H

#include "store/db.h"

#include <jansson.h>

/*
 * Inserts an event. `event` is a dotted name ("key.activated"), `actor` who caused it
 * ("cli:root", a user id or a client id), `subject` the object it concerns (a kid, a user
 * id) or NULL, and `details` a JSON object or NULL. The reference to `details` is
 * borrowed, not stolen. Never pass a secret in any of them. Runs inside the caller's
 * transaction when one is open.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_audit(PGconn *connection,
                                                                     const char *event,
                                                                     const char *actor,
                                                                     const char *subject,
                                                                     const json_t *details);

#endif
