/* The password-policy check shared by the endpoints that set a password. Event loop only. */
#ifndef LK_HTTP_HANDLERS_NEW_PASSWORD_H
#define LK_HTTP_HANDLERS_NEW_PASSWORD_H

#include "http/request.h"

/*
 * Checks `password` (the value of body field `field`) against the password policy and the
 * common-password list. Returns 0 when acceptable, or -1 after having sent 400 with one
 * entry for `field` whose message gives the reason, never the password.
 */
__attribute__((warn_unused_result)) int lk_check_new_password_or_respond(lk_request_t *request,
                                                                         const char *field,
                                                                         const char *password);

#endif
