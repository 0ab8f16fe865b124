/* The password-policy check of new passwords; see new_password.h. */
#include "http/handlers/new_password.h"

#include "http/respond.h"
#include "passwords/password_policy.h"

#include <stdio.h>
#include <string.h>

int lk_check_new_password_or_respond(lk_request_t *request, const char *field,
                                     const char *password)
{
    lk_validation_result_t result = {.status = 400, .error_count = 1};
    if (lk_password_policy_check(request->app->common_passwords, password, strlen(password),
                                 result.errors[0].message, sizeof(result.errors[0].message)) == 0)
        return 0;

    snprintf(result.detail, sizeof(result.detail),
             "The new password does not meet the password policy.");
    snprintf(result.errors[0].field, sizeof(result.errors[0].field), "%s", field);
    lk_respond_invalid_request(request, &result);
    return -1;
}
