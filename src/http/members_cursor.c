/* Cursors of the members listing; see members_cursor.h. */
#include "http/members_cursor.h"

#include "crypto/base64url.h"
#include "validate/request_schema.h"
#include "validate/uuid_text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CURSOR_PREFIX "m1."
#define CURSOR_TEXT_LENGTH (sizeof CURSOR_PREFIX - 1 + 36 + 1 + 36)

void lk_members_cursor_encode(const char *org_id, const char *user_id,
                              char cursor[LK_MEMBERS_CURSOR_SIZE])
{
    char text[CURSOR_TEXT_LENGTH + 1];
    snprintf(text, sizeof text, CURSOR_PREFIX "%.36s.%.36s", org_id, user_id);
    if (lk_base64url_encode(cursor, LK_MEMBERS_CURSOR_SIZE, (const uint8_t *)text,
                            CURSOR_TEXT_LENGTH) != 0)
        cursor[0] = '\0';
}

int lk_members_cursor_decode(const char *cursor, size_t length, const char *org_id,
                             char user_id[37])
{
    uint8_t text[CURSOR_TEXT_LENGTH + 1];
    size_t decoded = 0;
    if (length >= LK_MEMBERS_CURSOR_SIZE ||
        lk_base64url_decode(text, sizeof text, cursor, length, &decoded) != 0 ||
        decoded != CURSOR_TEXT_LENGTH)
        return -1;

    const char *prefix = (const char *)text;
    const char *cursor_org = prefix + sizeof CURSOR_PREFIX - 1;
    const char *after = cursor_org + 37;
    if (memcmp(prefix, CURSOR_PREFIX, sizeof CURSOR_PREFIX - 1) != 0 || cursor_org[36] != '.' ||
        !lk_format_is_uuid(cursor_org, 36) || strncasecmp(cursor_org, org_id, 36) != 0 ||
        !lk_format_is_uuid(after, 36))
        return -1;

    lk_uuid_copy_lower(after, user_id);
    return 0;
}
