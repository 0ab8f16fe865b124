/*
 * The in-process set of revoked sessions that token verification consults on the event
 * loop: session ids, each with the time after which every access token of that session
 * has expired (see revocation_publish.h). The revocation listener fills it from Redis;
 * lookups take a mutex for a hash-table probe and never block on I/O.
 *
 * Entries are only added, never removed one by one: an expired entry stops counting at
 * once and is dropped the next time the table is rebuilt to grow.
 */
#ifndef LK_SESSIONS_REVOCATION_LIST_H
#define LK_SESSIONS_REVOCATION_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lk_revocation_list lk_revocation_list_t;

/* One revoked session as Redis delivers it. */
typedef struct lk_revocation_entry {
    char session_id[37];
    int64_t expires_at; /* seconds since the epoch */
} lk_revocation_entry_t;

/* Returns an empty list, or NULL when out of memory. */
__attribute__((warn_unused_result)) lk_revocation_list_t *lk_revocation_list_create(void);

/* Frees the list. Accepts NULL. Only once no other thread uses it. */
void lk_revocation_list_destroy(lk_revocation_list_t *list);

/*
 * Adds `count` entries, keeping for each session the later expiry, and drops entries
 * that expired before `now` when the table is rebuilt. Entries whose session id is not a
 * UUID, or whose expiry has passed, are skipped. Returns the number of entries skipped
 * for a malformed id, or -1 when out of memory (the list then keeps what it could add).
 * Safe from any thread.
 */
__attribute__((warn_unused_result)) int lk_revocation_list_add(
    lk_revocation_list_t *list, const lk_revocation_entry_t *entries, size_t count,
    int64_t now);

/*
 * Returns true when the session with the `length` characters of `session_id` is revoked
 * and its entry has not expired at `now`. Text that is not a UUID is never revoked.
 * Safe from any thread, including event loops.
 */
bool lk_revocation_list_contains(lk_revocation_list_t *list, const char *session_id,
                                 size_t length, int64_t now);

/* Returns the number of entries stored, expired ones not yet dropped included. */
size_t lk_revocation_list_size(lk_revocation_list_t *list);

#endif
