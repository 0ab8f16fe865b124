/*
 * Organisations in PostgreSQL: creation by the command line, lookup by slug and id, and
 * listing. Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_ORGANISATIONS_H
#define LK_STORE_ORGANISATIONS_H

#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

#define LK_ORG_SLUG_MAX_LENGTH 63
/* In characters, as the organisations_name_length constraint counts them. */
#define LK_ORG_NAME_MAX_CHARACTERS 200
#define LK_ORG_NAME_BUFFER_SIZE (LK_ORG_NAME_MAX_CHARACTERS * 4 + 1)

typedef struct lk_organisation_record {
    char id[37];
    char slug[LK_ORG_SLUG_MAX_LENGTH + 1];
    char name[LK_ORG_NAME_BUFFER_SIZE];
    int64_t created_at;   /* seconds since the epoch */
    int64_t member_count; /* filled by lk_store_organisation_list only */
} lk_organisation_record_t;

/*
 * Returns true for a slug the schema accepts: 1 to 63 characters of a-z, 0-9 and '-',
 * not starting with '-'. Pure.
 */
bool lk_org_slug_is_valid(const char *slug);

/*
 * Inserts an organisation and the audit event "org.created" by `actor`, in one
 * transaction, and fills `created` (member_count 0). Returns LK_STORE_CONFLICT when the
 * slug is taken.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_organisation_create(
    PGconn *connection, const char *slug, const char *name, const char *actor,
    lk_organisation_record_t *created);

/* Finds the organisation with this slug. Returns LK_STORE_NOT_FOUND when there is none. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_organisation_find_by_slug(
    PGconn *connection, const char *slug, lk_organisation_record_t *record);

/* Returns LK_STORE_OK when an organisation has this id, else LK_STORE_NOT_FOUND. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_organisation_exists(
    PGconn *connection, const char *org_id);

/* Called once per organisation. Returning non-zero stops the listing. */
typedef int (*lk_organisation_visit_fn)(const lk_organisation_record_t *record, void *context);

/* Visits every organisation in slug order, with its member count. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_organisation_list(
    PGconn *connection, lk_organisation_visit_fn visit, void *context);

#endif
