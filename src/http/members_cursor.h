/*
 * The opaque cursor of GET /v1/orgs/{org_id}/members pages. It contains the organisation and
 * the last user id of the previous page as base64url text, so that it cannot be replayed
 * against another organisation and clients need not parse it. Pure, safe on any thread.
 */
#ifndef LK_HTTP_MEMBERS_CURSOR_H
#define LK_HTTP_MEMBERS_CURSOR_H

#include <stddef.h>

/* Base64url text of "m1." + 36 + "." + 36 bytes, and the NUL. */
#define LK_MEMBERS_CURSOR_SIZE 104

/* Writes the cursor that continues after `user_id` in `org_id` (both UUID text). */
void lk_members_cursor_encode(const char *org_id, const char *user_id,
                              char cursor[LK_MEMBERS_CURSOR_SIZE]);

/*
 * Reads a cursor made by lk_members_cursor_encode for `org_id` and stores the user id it
 * continues after in `user_id`. Returns 0, or -1 for a cursor that is malformed or made
 * for another organisation.
 */
__attribute__((warn_unused_result)) int lk_members_cursor_decode(const char *cursor,
                                                                 size_t length,
                                                                 const char *org_id,
                                                                 char user_id[37]);

#endif
