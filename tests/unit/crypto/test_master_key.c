/* Unit tests for src/crypto/master_key.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/master_key.h"

#define KEY_ID "kid-1"

static const uint8_t key_bytes[LK_MASTER_KEY_BYTES] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Standard base64 of key_bytes. */
#define KEY_BASE64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

struct fixture {
    lk_master_key_t *key;
    char directory[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof(*fixture));

    if (fixture == NULL) {
        return -1;
    }
    fixture->key = lk_master_key_from_bytes(key_bytes);
    strcpy(fixture->directory, "/tmp/lk-master-key-XXXXXX");
    if (fixture->key == NULL || mkdtemp(fixture->directory) == NULL) {
        return -1;
    }
    snprintf(fixture->path, sizeof(fixture->path), "%s/master.key", fixture->directory);
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fixture = *state;

    lk_master_key_destroy(fixture->key);
    unlink(fixture->path);
    rmdir(fixture->directory);
    free(fixture);
    return 0;
}

static void write_file(const char *path, const char *content)
{
    FILE *file = fopen(path, "wb");

    assert_non_null(file);
    assert_int_equal(fwrite(content, 1, strlen(content), file), strlen(content));
    assert_int_equal(fclose(file), 0);
}

/* Seals `plaintext` with `key` and checks that `other` opens it back. */
static void assert_round_trip(const lk_master_key_t *key, const lk_master_key_t *other,
                              const char *plaintext)
{
    char *sealed = NULL;
    uint8_t *opened = NULL;
    size_t length = 99;

    assert_int_equal(lk_master_key_seal(key, KEY_ID, (const uint8_t *)plaintext,
                                        strlen(plaintext), &sealed),
                     0);
    assert_int_equal(lk_master_key_open(other, KEY_ID, sealed, &opened, &length), 0);
    assert_int_equal(length, strlen(plaintext));
    assert_string_equal((const char *)opened, plaintext);
    lk_secret_free(opened);
    free(sealed);
}

static void seal_open_round_trip(void **state)
{
    struct fixture *fixture = *state;

    assert_round_trip(fixture->key, fixture->key, "-----BEGIN PRIVATE KEY-----\nMIG...\n");
}

static void seal_open_empty_plaintext(void **state)
{
    struct fixture *fixture = *state;

    assert_round_trip(fixture->key, fixture->key, "");
}

static void sealed_text_has_version_prefix(void **state)
{
    struct fixture *fixture = *state;
    char *sealed = NULL;

    assert_int_equal(lk_master_key_seal(fixture->key, KEY_ID, (const uint8_t *)"secret", 6,
                                        &sealed),
                     0);
    assert_memory_equal(sealed, "v1.", 3);
    assert_null(strstr(sealed, "secret"));

    /* 24-byte nonce, 6 bytes of ciphertext and a 16-byte tag: 46 bytes, 62 characters. */
    assert_int_equal(strlen(sealed), 3 + 62);
    free(sealed);
}

static void seal_uses_fresh_nonce(void **state)
{
    struct fixture *fixture = *state;
    char *first = NULL;
    char *second = NULL;

    assert_int_equal(lk_master_key_seal(fixture->key, KEY_ID, (const uint8_t *)"same", 4, &first),
                     0);
    assert_int_equal(
        lk_master_key_seal(fixture->key, KEY_ID, (const uint8_t *)"same", 4, &second), 0);
    assert_string_not_equal(first, second);
    free(first);
    free(second);
}

static void open_rejects_wrong_associated_data(void **state)
{
    struct fixture *fixture = *state;
    char *sealed = NULL;
    uint8_t *opened = NULL;
    size_t length = 0;

    assert_int_equal(lk_master_key_seal(fixture->key, "kid-1", (const uint8_t *)"secret", 6,
                                        &sealed),
                     0);
    assert_int_equal(lk_master_key_open(fixture->key, "kid-2", sealed, &opened, &length), -1);
    assert_null(opened);
    free(sealed);
}

static void open_rejects_tampered_ciphertext(void **state)
{
    struct fixture *fixture = *state;
    char *sealed = NULL;
    uint8_t *opened = NULL;
    size_t length = 0;
    size_t middle;

    assert_int_equal(lk_master_key_seal(fixture->key, KEY_ID, (const uint8_t *)"secret", 6,
                                        &sealed),
                     0);
    middle = strlen(sealed) / 2;
    sealed[middle] = sealed[middle] == 'A' ? 'B' : 'A';
    assert_int_equal(lk_master_key_open(fixture->key, KEY_ID, sealed, &opened, &length), -1);
    assert_null(opened);
    free(sealed);
}

static void open_rejects_wrong_key(void **state)
{
    struct fixture *fixture = *state;
    uint8_t other_bytes[LK_MASTER_KEY_BYTES];
    lk_master_key_t *other;
    char *sealed = NULL;
    uint8_t *opened = NULL;
    size_t length = 0;

    memcpy(other_bytes, key_bytes, sizeof(other_bytes));
    other_bytes[0] ^= 0x01;
    other = lk_master_key_from_bytes(other_bytes);
    assert_non_null(other);

    assert_int_equal(lk_master_key_seal(fixture->key, KEY_ID, (const uint8_t *)"secret", 6,
                                        &sealed),
                     0);
    assert_int_equal(lk_master_key_open(other, KEY_ID, sealed, &opened, &length), -1);
    assert_null(opened);
    free(sealed);
    lk_master_key_destroy(other);
}

static void open_rejects_malformed_text(void **state)
{
    static const char *const malformed[] = {
        "",
        "v1.",
        "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.AAAAAAAAAAAAAAAAAAAA",                                           /* too short */
        "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* padding */
        "v1.AAAA AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* space */
    };
    struct fixture *fixture = *state;

    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        uint8_t *opened = NULL;
        size_t length = 0;

        assert_int_equal(lk_master_key_open(fixture->key, KEY_ID, malformed[i], &opened, &length),
                         -1);
        assert_null(opened);
    }
}

static void load_accepts_surrounding_whitespace(void **state)
{
    struct fixture *fixture = *state;
    char error[256] = "";
    lk_master_key_t *loaded;

    write_file(fixture->path, "  " KEY_BASE64 "\n\n");
    loaded = lk_master_key_load(fixture->path, error, sizeof(error));
    assert_non_null(loaded);
    assert_string_equal(error, "");

    /* The loaded key opens what the key built from the same bytes sealed. */
    assert_round_trip(fixture->key, loaded, "sealed with the same key");
    lk_master_key_destroy(loaded);
}

/* Loads a file with `content` and checks that it fails with an error naming the path. */
static void assert_load_fails(struct fixture *fixture, const char *content,
                              const char *expected_reason)
{
    char error[256] = "";

    if (content != NULL) {
        write_file(fixture->path, content);
    }
    assert_null(lk_master_key_load(fixture->path, error, sizeof(error)));
    assert_non_null(strstr(error, fixture->path));
    assert_non_null(strstr(error, expected_reason));
    if (content != NULL && content[0] != '\0') {
        assert_null(strstr(error, content));
    }
}

static void load_rejects_missing_file(void **state)
{
    assert_load_fails(*state, NULL, "could not be opened");
}

static void load_rejects_empty_file(void **state)
{
    assert_load_fails(*state, "", "decodes to 0 bytes");
}

static void load_rejects_short_key(void **state)
{
    /* 16 bytes. */
    assert_load_fails(*state, "AAECAwQFBgcICQoLDA0ODw==\n", "decodes to 16 bytes");
}

static void load_rejects_long_key(void **state)
{
    /* 48 bytes. */
    assert_load_fails(*state,
                      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n",
                      "decodes to 48 bytes");
}

static void load_rejects_invalid_base64(void **state)
{
    assert_load_fails(*state, "not base64 at all, this is a sentence\n", "not standard base64");
}

static void load_rejects_url_alphabet(void **state)
{
    /* The file format is standard base64, so '-' and '_' are invalid there. */
    assert_load_fails(*state, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-_\n",
                      "not standard base64");
}

static void load_rejects_non_ascii_byte(void **state)
{
    /* libsodium 1.0.18 alone would decode the 0x80 byte as if it were a valid character. */
    assert_load_fails(*state, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\x80=\n",
                      "not standard base64");
}

/* Known answer computed independently with Python's hashlib.blake2b(b"latchkey master key
 * id", key=key_bytes, digest_size=8). */
static void key_id_known_answer(void **state)
{
    struct fixture *fixture = *state;
    char id[LK_MASTER_KEY_ID_LENGTH + 1];

    lk_master_key_id(fixture->key, id);
    assert_string_equal(id, "61f8f9b1fbdc95de");
}

static void key_id_differs_between_keys(void **state)
{
    struct fixture *fixture = *state;
    uint8_t other_bytes[LK_MASTER_KEY_BYTES];
    char id[LK_MASTER_KEY_ID_LENGTH + 1];
    char other_id[LK_MASTER_KEY_ID_LENGTH + 1];

    memset(other_bytes, 0xff, sizeof(other_bytes));
    lk_master_key_t *other = lk_master_key_from_bytes(other_bytes);
    assert_non_null(other);

    lk_master_key_id(fixture->key, id);
    lk_master_key_id(other, other_id);
    assert_string_equal(other_id, "139b403485179ab0");
    assert_string_not_equal(id, other_id);
    lk_master_key_destroy(other);
}

/* Expected subkeys computed independently with Python's hashlib.blake2b (key = key_bytes,
 * salt = the subkey id as 8 little-endian bytes and 8 zero bytes, person = the context and 8
 * zero bytes), which is how libsodium defines crypto_kdf. */
static void derive_known_answers(void **state)
{
    struct fixture *fixture = *state;
    static const struct {
        uint64_t id;
        const char *context;
        const char *expected_hex;
    } cases[] = {
        {1, "lkratelm", "a52a4de931fd67b72977062c837ca8ee0337a83063fea373405158e6e1d6e1c7"},
        {2, "lkratelm", "9e8304fde23732f1b65482bd64c1e8387efdeb1b8b45bc8f6237068f98079fc7"},
        {1, "other-ct", "e2ffb6b0a569f901888bfdbe4f12afbdf8c6cfdb3879311622ae8826110e4942"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t subkey[32];
        char hex[65];

        assert_int_equal(lk_master_key_derive(fixture->key, cases[i].id, cases[i].context, subkey,
                                              sizeof(subkey)),
                         0);
        for (size_t byte = 0; byte < sizeof(subkey); byte++) {
            snprintf(hex + 2 * byte, 3, "%02x", subkey[byte]);
        }
        assert_string_equal(hex, cases[i].expected_hex);
    }
}

static void derive_rejects_bad_lengths(void **state)
{
    struct fixture *fixture = *state;
    uint8_t subkey[65];

    assert_int_equal(lk_master_key_derive(fixture->key, 1, "lkratelm", subkey, 15), -1);
    assert_int_equal(lk_master_key_derive(fixture->key, 1, "lkratelm", subkey, 65), -1);
    assert_int_equal(lk_master_key_derive(fixture->key, 1, "lkratelm", subkey, 16), 0);
    assert_int_equal(lk_master_key_derive(fixture->key, 1, "lkratelm", subkey, 64), 0);
}

static void destroy_and_free_accept_null(void **state)
{
    (void)state;
    lk_master_key_destroy(NULL);
    lk_secret_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seal_open_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_open_empty_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(sealed_text_has_version_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_uses_fresh_nonce, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rejects_wrong_associated_data, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rejects_tampered_ciphertext, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rejects_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(open_rejects_malformed_text, setup, teardown),
        cmocka_unit_test_setup_teardown(load_accepts_surrounding_whitespace, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_short_key, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_long_key, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_invalid_base64, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_url_alphabet, setup, teardown),
        cmocka_unit_test_setup_teardown(load_rejects_non_ascii_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(key_id_known_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(key_id_differs_between_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(derive_known_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(derive_rejects_bad_lengths, setup, teardown),
        cmocka_unit_test(destroy_and_free_accept_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
