/*
 * Memberships in PostgreSQL: who belongs to which organisation with which role. Every
 * change writes an audit event and sends NOTIFY on LK_MEMBERSHIPS_CHANNEL in the same
 * transaction, so that running servers drop their cached result once it commits.
 * Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_MEMBERSHIPS_H
#define LK_STORE_MEMBERSHIPS_H

#include "access/org_role.h"
#include "store/db.h"
#include "store/users.h"

#include <stddef.h>
#include <stdint.h>

/* The NOTIFY channel of membership changes, with the payload "<org_id>:<user_id>". */
#define LK_MEMBERSHIPS_CHANNEL "latchkey_memberships"

/*
 * Stores the role of `user_id` in `org_id` in `role`. Returns LK_STORE_NOT_FOUND when the
 * user is not a member (also when the organisation or user does not exist). Both ids must
 * be UUID text.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_membership_find(
    PGconn *connection, const char *org_id, const char *user_id, lk_org_role_t *role);

/*
 * Gives `user_id` the role `role` in `org_id`, adding the membership or changing its role,
 * with the audit event "org.member_added" or "org.member_role_changed" by `actor`.
 * Stores the role held before in `previous` (LK_ROLE_NONE when the user was not a member).
 * Setting the role a member already has changes nothing and writes no event.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_membership_put(
    PGconn *connection, const char *org_id, const char *user_id, lk_org_role_t role,
    const char *actor, lk_org_role_t *previous);

/*
 * Removes the membership, with the audit event "org.member_removed" by `actor`, and
 * stores the removed role in `previous`. Returns LK_STORE_NOT_FOUND when there was none.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_membership_remove(
    PGconn *connection, const char *org_id, const char *user_id, const char *actor,
    lk_org_role_t *previous);

typedef struct lk_member_record {
    char user_id[37];
    char email[LK_EMAIL_MAX_LENGTH + 2];
    lk_org_role_t role;
    int64_t joined_at; /* seconds since the epoch */
} lk_member_record_t;

/*
 * Reads up to `limit` members of `org_id` in user-id order, starting after
 * `after_user_id` (NULL for the first page), into `members` (room for `limit`). Stores the
 * number read in `count` and whether more members follow in `has_more`.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_members_page(
    PGconn *connection, const char *org_id, const char *after_user_id, size_t limit,
    lk_member_record_t *members, size_t *count, bool *has_more);

#endif
