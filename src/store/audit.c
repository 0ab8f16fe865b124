/* Inserting audit events. */
#include "store/audit.h"

#include <stdlib.h>

lk_store_result_t lk_store_audit(PGconn *connection, const char *event, const char *actor,
                                 const char *subject, const json_t *details)
{
    char *details_text = NULL;
    if (details != NULL) {
        details_text = json_dumps(details, JSON_COMPACT);
        if (details_text == NULL)
            return LK_STORE_ERROR;
    }

    const char *values[] = {event, actor, subject, details_text != NULL ? details_text : "{}"};
    lk_store_result_t status = lk_db_command(
        connection,
        "INSERT INTO audit_events (event, actor, subject, details) VALUES ($1, $2, $3, $4::jsonb)",
        4, values, PGRES_COMMAND_OK, "insert audit event");

    free(details_text);
    return status;
}
