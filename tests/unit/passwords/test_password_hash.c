/* Tests for the Argon2id password hash wrapper. The smallest libsodium limits keep them fast. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "passwords/password_hash.h"

#include <string.h>

static const lk_password_params_t fast_params = {
    .opslimit = crypto_pwhash_OPSLIMIT_MIN,
    .memlimit = crypto_pwhash_MEMLIMIT_MIN,
};

static const char password[] = "correct horse battery staple";

static void hash_fast(const char *text, size_t length, char hash[LK_PASSWORD_HASH_SIZE])
{
    assert_int_equal(lk_password_hash(&fast_params, text, length, hash), 0);
}

static void hash_has_argon2id_prefix(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];

    hash_fast(password, strlen(password), hash);

    assert_memory_equal(hash, "$argon2id$", 10);
    assert_null(strstr(hash, password));
}

static void hash_salts_each_call(void **state)
{
    (void)state;
    char first[LK_PASSWORD_HASH_SIZE];
    char second[LK_PASSWORD_HASH_SIZE];

    hash_fast(password, strlen(password), first);
    hash_fast(password, strlen(password), second);

    assert_string_not_equal(first, second);
}

static void verify_matching_password(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(password, strlen(password), hash);

    assert_int_equal(lk_password_verify(hash, password, strlen(password)), LK_PASSWORD_MATCH);
}

static void verify_wrong_password(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(password, strlen(password), hash);

    assert_int_equal(lk_password_verify(hash, "correct horse battery stapler", 29),
                     LK_PASSWORD_MISMATCH);
    assert_int_equal(lk_password_verify(hash, password, strlen(password) - 1), LK_PASSWORD_MISMATCH);
    assert_int_equal(lk_password_verify(hash, "", 0), LK_PASSWORD_MISMATCH);
}

/* The length argument decides, so a password with an embedded NUL differs from its prefix. */
static void verify_uses_length_not_nul(void **state)
{
    (void)state;
    static const char with_nul[] = "prefix\0suffix";
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(with_nul, sizeof with_nul - 1, hash);

    assert_int_equal(lk_password_verify(hash, with_nul, sizeof with_nul - 1), LK_PASSWORD_MATCH);
    assert_int_equal(lk_password_verify(hash, "prefix", 6), LK_PASSWORD_MISMATCH);
}

static void verify_malformed_hash(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(password, strlen(password), hash);
    char truncated[LK_PASSWORD_HASH_SIZE];
    memcpy(truncated, hash, sizeof truncated);
    truncated[strlen(truncated) - 20] = '\0';
    char bad_parameters[LK_PASSWORD_HASH_SIZE];
    memcpy(bad_parameters, hash, sizeof bad_parameters);
    bad_parameters[strlen("$argon2id$v=19$m=")] = 'x';

    const char *cases[] = {
        "",
        "$argon2id$",
        "$argon2id$v=19$m=8,t=1,p=1$",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$!!!",
        truncated,
        bad_parameters,
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(lk_password_verify(cases[i], password, strlen(password)),
                         LK_PASSWORD_CHECK_ERROR);
    }
    assert_int_equal(lk_password_verify(NULL, password, strlen(password)), LK_PASSWORD_CHECK_ERROR);
}

/* A string as long as the buffer with no NUL inside must not be read past its end. */
static void verify_unterminated_hash(void **state)
{
    (void)state;
    char unterminated[LK_PASSWORD_HASH_SIZE + 1];
    memset(unterminated, 'a', sizeof unterminated);
    memcpy(unterminated, "$argon2id$", 10);
    unterminated[LK_PASSWORD_HASH_SIZE] = '\0';

    assert_int_equal(lk_password_verify(unterminated, password, strlen(password)),
                     LK_PASSWORD_CHECK_ERROR);
}

/* An Argon2i hash of the right password is still rejected: only Argon2id is stored. */
static void verify_rejects_other_algorithms(void **state)
{
    (void)state;
    char argon2i[crypto_pwhash_argon2i_STRBYTES];
    assert_int_equal(crypto_pwhash_argon2i_str(argon2i, password, strlen(password),
                                               crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                               crypto_pwhash_argon2i_MEMLIMIT_MIN),
                     0);
    assert_int_equal(crypto_pwhash_str_verify(argon2i, password, strlen(password)), 0);

    assert_int_equal(lk_password_verify(argon2i, password, strlen(password)),
                     LK_PASSWORD_CHECK_ERROR);
    assert_int_equal(lk_password_verify("$2b$12$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWX",
                                        password, strlen(password)),
                     LK_PASSWORD_CHECK_ERROR);
    assert_int_equal(lk_password_verify(password, password, strlen(password)),
                     LK_PASSWORD_CHECK_ERROR);
}

static void needs_rehash_same_params(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(password, strlen(password), hash);

    assert_false(lk_password_needs_rehash(&fast_params, hash));
}

static void needs_rehash_other_params(void **state)
{
    (void)state;
    char hash[LK_PASSWORD_HASH_SIZE];
    hash_fast(password, strlen(password), hash);
    lk_password_params_t more_passes = fast_params;
    more_passes.opslimit += 1;
    lk_password_params_t more_memory = fast_params;
    more_memory.memlimit *= 2;

    assert_true(lk_password_needs_rehash(&more_passes, hash));
    assert_true(lk_password_needs_rehash(&more_memory, hash));
    lk_password_params_t defaults = lk_password_params_default();
    assert_true(lk_password_needs_rehash(&defaults, hash));
}

static void needs_rehash_malformed_hash(void **state)
{
    (void)state;

    assert_true(lk_password_needs_rehash(&fast_params, "$argon2id$garbage"));
    assert_true(lk_password_needs_rehash(&fast_params, NULL));
}

static void default_params_are_interactive(void **state)
{
    (void)state;
    lk_password_params_t params = lk_password_params_default();

    assert_int_equal(params.opslimit, 2);
    assert_int_equal(params.memlimit, 64u * 1024 * 1024);
}

static void dummy_hash_is_stable(void **state)
{
    (void)state;

    const char *first = lk_password_dummy_hash(&fast_params);
    assert_non_null(first);
    char copy[LK_PASSWORD_HASH_SIZE];
    memcpy(copy, first, sizeof copy);
    const char *second = lk_password_dummy_hash(&fast_params);

    assert_ptr_equal(first, second);
    assert_string_equal(copy, second);
    assert_memory_equal(first, "$argon2id$", 10);
    assert_false(lk_password_needs_rehash(&fast_params, first));
}

static void dummy_hash_matches_nothing(void **state)
{
    (void)state;
    const char *dummy = lk_password_dummy_hash(&fast_params);
    assert_non_null(dummy);

    assert_int_equal(lk_password_verify(dummy, password, strlen(password)), LK_PASSWORD_MISMATCH);
    assert_int_equal(lk_password_verify(dummy, "", 0), LK_PASSWORD_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_has_argon2id_prefix),
        cmocka_unit_test(hash_salts_each_call),
        cmocka_unit_test(verify_matching_password),
        cmocka_unit_test(verify_wrong_password),
        cmocka_unit_test(verify_uses_length_not_nul),
        cmocka_unit_test(verify_malformed_hash),
        cmocka_unit_test(verify_unterminated_hash),
        cmocka_unit_test(verify_rejects_other_algorithms),
        cmocka_unit_test(needs_rehash_same_params),
        cmocka_unit_test(needs_rehash_other_params),
        cmocka_unit_test(needs_rehash_malformed_hash),
        cmocka_unit_test(default_params_are_interactive),
        cmocka_unit_test(dummy_hash_is_stable),
        cmocka_unit_test(dummy_hash_matches_nothing),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
