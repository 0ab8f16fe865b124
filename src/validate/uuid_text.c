/* Canonical UUID text; see uuid_text.h. */
#include "validate/uuid_text.h"

void lk_uuid_copy_lower(const char *uuid, char output[37])
{
    for (int i = 0; i < 36; i++) {
        char c = uuid[i];
        output[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    output[36] = '\0';
}
