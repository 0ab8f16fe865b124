/* Checking the display names that operators give organisations and service clients. */
#ifndef LK_CLI_DISPLAY_NAME_H
#define LK_CLI_DISPLAY_NAME_H

#include <stddef.h>

/*
 * Returns why `name` is not a valid display name, or NULL when it is: it must be valid
 * UTF-8 of 1 to `max_characters` characters without control characters (so that it stays
 * on one line in listings and logs). Pure.
 */
const char *lk_cli_display_name_problem(const char *name, size_t max_characters);

#endif
