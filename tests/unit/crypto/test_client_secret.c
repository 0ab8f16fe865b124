/* Unit tests for src/crypto/client_secret.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/client_secret.h"

/* RFC 4231 test cases 1 and 2: HMAC-SHA256 with the key as client id and the data as
 * secret. */
static void hash_known_answers(void **state)
{
    char key[20];
    char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1];

    (void)state;
    memset(key, 0x0b, sizeof key);
    assert_int_equal(lk_client_secret_hash(key, sizeof key, "Hi There", 8, hash), 0);
    assert_string_equal(hash, "hmac-sha256$"
                              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    const char *data = "what do ya want for nothing?";
    assert_int_equal(lk_client_secret_hash("Jefe", 4, data, strlen(data), hash), 0);
    assert_string_equal(hash, "hmac-sha256$"
                              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void generated_shapes(void **state)
{
    char id[LK_CLIENT_ID_LENGTH + 1];
    char secret[LK_CLIENT_SECRET_LENGTH + 1];
    char other[LK_CLIENT_SECRET_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_client_id_generate(id), 0);
    assert_int_equal(strlen(id), LK_CLIENT_ID_LENGTH);
    assert_memory_equal(id, "lkc_", 4);
    assert_int_equal(lk_client_secret_generate(secret), 0);
    assert_int_equal(lk_client_secret_generate(other), 0);
    assert_int_equal(strlen(secret), LK_CLIENT_SECRET_LENGTH);
    assert_memory_equal(secret, "lks_", 4);
    assert_string_not_equal(secret, other);
    assert_int_equal(strspn(secret + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                     LK_CLIENT_SECRET_LENGTH - 4);
}

static void matches_own_hash_only(void **state)
{
    char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_client_secret_hash("lkc_a", 5, "lks_secret", 10, hash), 0);
    assert_true(lk_client_secret_matches("lkc_a", 5, "lks_secret", 10, hash));
    assert_false(lk_client_secret_matches("lkc_a", 5, "lks_secreT", 10, hash));
    assert_false(lk_client_secret_matches("lkc_a", 5, "lks_secre", 9, hash));
    /* The same secret under another client id has another hash. */
    assert_false(lk_client_secret_matches("lkc_b", 5, "lks_secret", 10, hash));
}

static void misuse_never_matches(void **state)
{
    char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_client_secret_hash("", 0, "secret", 6, hash), -1);
    assert_string_equal(hash, "");
    assert_int_equal(lk_client_secret_hash("id", 2, "", 0, hash), -1);

    assert_int_equal(lk_client_secret_hash("id", 2, "secret", 6, hash), 0);
    assert_false(lk_client_secret_matches("id", 2, "secret", 6, NULL));
    assert_false(lk_client_secret_matches("id", 2, "secret", 6, ""));
    hash[LK_CLIENT_SECRET_HASH_LENGTH - 1] = '\0'; /* one character short */
    assert_false(lk_client_secret_matches("id", 2, "secret", 6, hash));
    assert_false(lk_client_secret_matches("", 0, "", 0, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_known_answers),
        cmocka_unit_test(generated_shapes),
        cmocka_unit_test(matches_own_hash_only),
        cmocka_unit_test(misuse_never_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
