/* Display names of organisations and service clients; see display_name.h. */
#include "cli/display_name.h"

#include "validate/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Returns true for C0 and C1 control characters and DEL. Expects valid UTF-8. */
static bool has_control_character(const char *name)
{
    const unsigned char *bytes = (const unsigned char *)name;
    size_t length = strlen(name);

    for (size_t offset = 0; offset < length;) {
        uint32_t code_point = 0;
        size_t used = lk_utf8_decode(bytes + offset, length - offset, &code_point);
        if (used == 0 || code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F))
            return true;
        offset += used;
    }
    return false;
}

const char *lk_cli_display_name_problem(const char *name, size_t max_characters)
{
    size_t characters = 0;
    if (lk_utf8_count(name, strlen(name), &characters) != 0)
        return "it is not valid UTF-8";
    if (characters == 0)
        return "it is empty";
    if (characters > max_characters)
        return "it is too long";
    if (has_control_character(name))
        return "it contains a control character";
    return NULL;
}
