/* Unit tests for src/http/basic_credentials.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "http/basic_credentials.h"

static lk_credentials_status_t parse(const char *value, lk_basic_credentials_t *credentials)
{
    return lk_basic_credentials_parse(value, value != NULL ? strlen(value) : 0, credentials);
}

static void decodes_plain_pair(void **state)
{
    lk_basic_credentials_t credentials;

    (void)state;
    /* base64("client:secret") */
    assert_int_equal(parse("Basic Y2xpZW50OnNlY3JldA==", &credentials), LK_CREDENTIALS_PRESENT);
    assert_string_equal(credentials.client_id, "client");
    assert_int_equal(credentials.client_id_length, 6);
    assert_string_equal(credentials.secret, "secret");
    assert_int_equal(credentials.secret_length, 6);
}

static void scheme_is_case_insensitive(void **state)
{
    lk_basic_credentials_t credentials;

    (void)state;
    assert_int_equal(parse("basic Y2xpZW50OnNlY3JldA==", &credentials), LK_CREDENTIALS_PRESENT);
    assert_int_equal(parse("BASIC   Y2xpZW50OnNlY3JldA==", &credentials), LK_CREDENTIALS_PRESENT);
    assert_string_equal(credentials.secret, "secret");
}

/* RFC 6749 section 2.3.1: both parts are form-urlencoded before they are joined. */
static void form_decodes_both_parts(void **state)
{
    lk_basic_credentials_t credentials;

    (void)state;
    /* base64("my%3Aclient:s%2Bcr+t%25") */
    assert_int_equal(parse("Basic bXklM0FjbGllbnQ6cyUyQmNyK3QlMjU=", &credentials),
                     LK_CREDENTIALS_PRESENT);
    assert_string_equal(credentials.client_id, "my:client");
    assert_string_equal(credentials.secret, "s+cr t%");
}

static void splits_at_first_colon(void **state)
{
    lk_basic_credentials_t credentials;

    (void)state;
    /* base64("id:a:b") */
    assert_int_equal(parse("Basic aWQ6YTpi", &credentials), LK_CREDENTIALS_PRESENT);
    assert_string_equal(credentials.client_id, "id");
    assert_string_equal(credentials.secret, "a:b");
}

static void other_schemes_are_absent(void **state)
{
    static const char *const absent[] = {NULL, "", "Bearer abc", "Basic", "Digest x=1",
                                         "Basicx Y2xpZW50OnNlY3JldA=="};
    lk_basic_credentials_t credentials;

    (void)state;
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        if (parse(absent[i], &credentials) != LK_CREDENTIALS_ABSENT)
            fail_msg("\"%s\" was not treated as absent", absent[i] != NULL ? absent[i] : "(null)");
    }
}

static void malformed_values(void **state)
{
    static const char *const malformed[] = {
        "Basic ",
        "Basic !!!!",
        "Basic Y2xpZW50OnNlY3JldA",   /* padding missing */
        "Basic Y2xpZW50c2VjcmV0",     /* "clientsecret": no colon */
        "Basic OnNlY3JldA==",         /* ":secret": empty id */
        "Basic Y2xpZW50Og==",         /* "client:": empty secret */
        "Basic Y2xpZW50OnMlWlo=",     /* "client:s%ZZ": bad escape */
        "Basic Y2xpZW50OnMlMDA=",     /* "client:s%00": NUL byte */
        "Basic Y2xpZW50OnMlRkY=",     /* "client:s%FF": invalid UTF-8 */
        "Basic Y2xpZW50OnNlY3JldA== x",
    };
    lk_basic_credentials_t credentials;

    (void)state;
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        if (parse(malformed[i], &credentials) != LK_CREDENTIALS_MALFORMED)
            fail_msg("\"%s\" was not rejected as malformed", malformed[i]);
        assert_int_equal(credentials.secret[0], '\0');
    }
}

static void rejects_overlong_parts(void **state)
{
    char id[LK_CLIENT_ID_MAX_LENGTH + 2];
    char pair[sizeof id + 8];
    char value[1024] = "Basic ";
    lk_basic_credentials_t credentials;

    (void)state;
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    snprintf(pair, sizeof pair, "%s:secret", id);
    assert_int_equal(sodium_bin2base64(value + 6, sizeof value - 6, (const unsigned char *)pair,
                                       strlen(pair), sodium_base64_VARIANT_ORIGINAL) != NULL,
                     1);
    assert_int_equal(parse(value, &credentials), LK_CREDENTIALS_MALFORMED);
}

static void finds_bearer_credentials(void **state)
{
    size_t length = 0;
    const char *value = "Bearer  abc.def ";

    (void)state;
    const char *token = lk_authorization_credentials(value, strlen(value), "Bearer", &length);
    assert_non_null(token);
    assert_int_equal(length, 7);
    assert_memory_equal(token, "abc.def", 7);
    assert_null(lk_authorization_credentials("Basic abc", 9, "Bearer", &length));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_plain_pair),
        cmocka_unit_test(scheme_is_case_insensitive),
        cmocka_unit_test(form_decodes_both_parts),
        cmocka_unit_test(splits_at_first_colon),
        cmocka_unit_test(other_schemes_are_absent),
        cmocka_unit_test(malformed_values),
        cmocka_unit_test(rejects_overlong_parts),
        cmocka_unit_test(finds_bearer_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
