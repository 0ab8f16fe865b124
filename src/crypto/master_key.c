/*
 * The master key is loaded once from a file into guarded memory and then seals and opens
 * signing keys' private halves with XChaCha20-Poly1305.
 */
#include "crypto/master_key.h"

#include "crypto/base64url.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LK_SEALED_PREFIX "v1."
#define LK_SEALED_PREFIX_LENGTH (sizeof(LK_SEALED_PREFIX) - 1)
#define LK_SEAL_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define LK_SEAL_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

/* A key file contains 44 base64 characters, so a longer file than this is not a key file. */
#define LK_MASTER_KEY_FILE_MAX 1024

struct lk_master_key {
    uint8_t bytes[LK_MASTER_KEY_BYTES];
};

lk_master_key_t *lk_master_key_from_bytes(const uint8_t bytes[LK_MASTER_KEY_BYTES])
{
    lk_master_key_t *key;

    if (sodium_init() < 0) {
        return NULL;
    }
    key = sodium_malloc(sizeof(*key));
    if (key == NULL) {
        return NULL;
    }
    memcpy(key->bytes, bytes, LK_MASTER_KEY_BYTES);

    /* Any later write to the key is a bug, so the page becomes read-only. */
    if (sodium_mprotect_readonly(key) != 0) {
        sodium_free(key);
        return NULL;
    }
    return key;
}

void lk_master_key_destroy(lk_master_key_t *key)
{
    /* sodium_free makes the pages writable again and zeroes them before unmapping. */
    sodium_free(key);
}

/* The message of the identifier MAC; changing it changes every identifier. */
#define LK_MASTER_KEY_ID_LABEL "latchkey master key id"

void lk_master_key_id(const lk_master_key_t *key, char id[LK_MASTER_KEY_ID_LENGTH + 1])
{
    uint8_t digest[LK_MASTER_KEY_ID_LENGTH / 2];

    crypto_generichash(digest, sizeof(digest), (const uint8_t *)LK_MASTER_KEY_ID_LABEL,
                       strlen(LK_MASTER_KEY_ID_LABEL), key->bytes, LK_MASTER_KEY_BYTES);
    sodium_bin2hex(id, LK_MASTER_KEY_ID_LENGTH + 1, digest, sizeof(digest));
}

/*
 * Reads the whole key file into `buffer` (at most `buffer_size` - 1 bytes) and stores the
 * number of bytes read in `length`. Returns 0, or -1 with the reason in `error`.
 */
static int read_key_file(const char *path, char *buffer, size_t buffer_size, size_t *length,
                         char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    size_t total;

    if (file == NULL) {
        snprintf(error, error_size, "master key file %s could not be opened: %s", path,
                 strerror(errno));
        return -1;
    }
    total = fread(buffer, 1, buffer_size, file);
    if (ferror(file)) {
        snprintf(error, error_size, "master key file %s could not be read", path);
        fclose(file);
        return -1;
    }
    fclose(file);

    if (total >= buffer_size) {
        snprintf(error, error_size, "master key file %s is invalid: longer than %d bytes",
                 path, LK_MASTER_KEY_FILE_MAX - 1);
        return -1;
    }
    *length = total;
    return 0;
}

static int is_whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Returns true when every character is in the standard base64 alphabet or is padding.
 * libsodium 1.0.18 would decode bytes from 0x80 up as valid characters.
 */
static bool is_base64_alphabet(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];

        if (!isascii(c) || (!isalnum(c) && c != '+' && c != '/' && c != '=')) {
            return false;
        }
    }
    return true;
}

/* Stores in `start` and `length` the part of `text` between leading and trailing whitespace. */
static void trim_whitespace(const char *text, size_t text_length, size_t *start, size_t *length)
{
    size_t begin = 0;
    size_t end = text_length;

    while (begin < end && is_whitespace(text[begin])) {
        begin++;
    }
    while (end > begin && is_whitespace(text[end - 1])) {
        end--;
    }
    *start = begin;
    *length = end - begin;
}

lk_master_key_t *lk_master_key_load(const char *path, char *error, size_t error_size)
{
    char text[LK_MASTER_KEY_FILE_MAX];
    uint8_t bytes[LK_MASTER_KEY_FILE_MAX];
    size_t text_length = 0;
    size_t start = 0;
    size_t length = 0;
    size_t decoded = 0;
    lk_master_key_t *key = NULL;

    if (sodium_init() < 0) {
        snprintf(error, error_size, "master key file %s could not be loaded: libsodium failed",
                 path);
        return NULL;
    }
    if (read_key_file(path, text, sizeof(text), &text_length, error, error_size) != 0) {
        goto done;
    }

    /* The buffer fits any decoded file, so a wrong length is reported as such. */
    trim_whitespace(text, text_length, &start, &length);
    if (!is_base64_alphabet(text + start, length) ||
        sodium_base642bin(bytes, sizeof(bytes), text + start, length, NULL, &decoded, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        snprintf(error, error_size, "master key file %s is invalid: not standard base64", path);
        goto done;
    }
    if (decoded != LK_MASTER_KEY_BYTES) {
        snprintf(error, error_size, "master key file %s is invalid: it decodes to %zu bytes, "
                 "expected %d", path, decoded, LK_MASTER_KEY_BYTES);
        goto done;
    }

    key = lk_master_key_from_bytes(bytes);
    if (key == NULL) {
        snprintf(error, error_size, "master key file %s could not be loaded: out of memory",
                 path);
    }

done:
    sodium_memzero(text, sizeof(text));
    sodium_memzero(bytes, sizeof(bytes));
    return key;
}

int lk_master_key_seal(const lk_master_key_t *key, const char *associated_data,
                       const uint8_t *plaintext, size_t length, char **sealed)
{
    size_t blob_length = LK_SEAL_NONCE_BYTES + length + LK_SEAL_TAG_BYTES;
    size_t text_size;
    uint8_t *blob;
    char *text;

    *sealed = NULL;
    if (sodium_init() < 0 || length > SIZE_MAX / 2) {
        return -1;
    }
    blob = malloc(blob_length);
    if (blob == NULL) {
        return -1;
    }

    /* A random 192-bit nonce cannot repeat in practice, so no counter has to be stored. */
    randombytes_buf(blob, LK_SEAL_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        blob + LK_SEAL_NONCE_BYTES, NULL, plaintext, length, (const uint8_t *)associated_data,
        strlen(associated_data), NULL, blob, key->bytes);

    text_size = LK_SEALED_PREFIX_LENGTH + lk_base64url_encoded_size(blob_length);
    text = malloc(text_size);
    if (text == NULL) {
        free(blob);
        return -1;
    }
    memcpy(text, LK_SEALED_PREFIX, LK_SEALED_PREFIX_LENGTH);
    if (lk_base64url_encode(text + LK_SEALED_PREFIX_LENGTH, text_size - LK_SEALED_PREFIX_LENGTH,
                            blob, blob_length) != 0) {
        free(text);
        free(blob);
        return -1;
    }
    free(blob);
    *sealed = text;
    return 0;
}

/*
 * Decodes the base64url part of a sealed text into a new malloc'ed blob of nonce, ciphertext
 * and tag. Returns the blob and its length, or NULL when the text is malformed.
 */
static uint8_t *decode_sealed(const char *sealed, size_t *blob_length)
{
    const char *encoded;
    size_t encoded_length;
    size_t capacity;
    uint8_t *blob;

    if (strncmp(sealed, LK_SEALED_PREFIX, LK_SEALED_PREFIX_LENGTH) != 0) {
        return NULL;
    }
    encoded = sealed + LK_SEALED_PREFIX_LENGTH;
    encoded_length = strlen(encoded);
    capacity = encoded_length / 4 * 3 + 3;
    blob = malloc(capacity);
    if (blob == NULL) {
        return NULL;
    }
    if (lk_base64url_decode(blob, capacity, encoded, encoded_length, blob_length) != 0 ||
        *blob_length < LK_SEAL_NONCE_BYTES + LK_SEAL_TAG_BYTES) {
        free(blob);
        return NULL;
    }
    return blob;
}

int lk_master_key_open(const lk_master_key_t *key, const char *associated_data,
                       const char *sealed, uint8_t **plaintext, size_t *length)
{
    size_t blob_length = 0;
    size_t message_length;
    uint8_t *blob;
    uint8_t *message;

    *plaintext = NULL;
    *length = 0;
    if (sodium_init() < 0) {
        return -1;
    }
    blob = decode_sealed(sealed, &blob_length);
    if (blob == NULL) {
        return -1;
    }

    /* The plaintext goes straight into guarded memory, with room for a terminating NUL. */
    message_length = blob_length - LK_SEAL_NONCE_BYTES - LK_SEAL_TAG_BYTES;
    message = sodium_malloc(message_length + 1);
    if (message == NULL) {
        free(blob);
        return -1;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            message, NULL, NULL, blob + LK_SEAL_NONCE_BYTES, blob_length - LK_SEAL_NONCE_BYTES,
            (const uint8_t *)associated_data, strlen(associated_data), blob, key->bytes) != 0) {
        sodium_free(message);
        free(blob);
        return -1;
    }
    free(blob);

    message[message_length] = '\0';
    *plaintext = message;
    *length = message_length;
    return 0;
}

void lk_secret_free(void *secret)
{
    sodium_free(secret);
}

int lk_master_key_derive(const lk_master_key_t *key, uint64_t subkey_id,
                         const char context[LK_MASTER_KEY_CONTEXT_BYTES], uint8_t *subkey,
                         size_t length)
{
    if (length < crypto_kdf_BYTES_MIN || length > crypto_kdf_BYTES_MAX) {
        return -1;
    }
    return crypto_kdf_derive_from_key(subkey, length, subkey_id, context, key->bytes);
}
