/*
 * What GET /v1/me returns about the caller: the user's id, email and memberships with the
 * organisations' slugs and names. Synchronous, for worker threads.
 */
#ifndef LK_STORE_USER_PROFILE_H
#define LK_STORE_USER_PROFILE_H

#include "access/org_role.h"
#include "store/db.h"
#include "store/organisations.h"
#include "store/users.h"

#include <stdbool.h>
#include <stddef.h>

/* A profile lists at most this many memberships, in slug order. */
#define LK_PROFILE_MAX_MEMBERSHIPS 1000

typedef struct lk_profile_membership {
    char org_id[37];
    char slug[LK_ORG_SLUG_MAX_LENGTH + 1];
    char name[LK_ORG_NAME_BUFFER_SIZE];
    lk_org_role_t role;
} lk_profile_membership_t;

typedef struct lk_user_profile {
    char id[37];
    char email[LK_EMAIL_MAX_LENGTH + 2];
    bool disabled;
    lk_profile_membership_t *memberships; /* malloc'ed, membership_count entries */
    size_t membership_count;
} lk_user_profile_t;

/*
 * Loads the profile of `user_id` into `profile`, which the caller releases with
 * lk_user_profile_dispose whatever the result. Returns LK_STORE_NOT_FOUND when no user
 * has this id.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_profile_load(
    PGconn *connection, const char *user_id, lk_user_profile_t *profile);

/* Frees the memberships of a profile. */
void lk_user_profile_dispose(lk_user_profile_t *profile);

#endif
