/*
 * Argon2id password hashes through libsodium's crypto_pwhash_str family. Stored hashes
 * are accepted only in the "$argon2id$" encoding that lk_password_hash produces.
 */
#include "passwords/password_hash.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

/* Length in bytes of the random password behind the dummy hash. It is wiped after hashing. */
#define DUMMY_PASSWORD_BYTES 32

/* Unpadded base64 lengths of the 16-byte salt and the 32-byte hash that crypto_pwhash_str
 * writes as the last two "$"-separated segments. */
#define SALT_SEGMENT_LENGTH 22
#define HASH_SEGMENT_LENGTH 43

static pthread_mutex_t dummy_hash_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy_hash[LK_PASSWORD_HASH_SIZE];
static bool dummy_hash_ready;

lk_password_params_t lk_password_params_default(void)
{
    lk_password_params_t params = {
        .opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE,
        .memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE,
    };
    return params;
}

int lk_password_hash(const lk_password_params_t *params, const char *password, size_t length,
                     char hash[LK_PASSWORD_HASH_SIZE])
{
    memset(hash, 0, LK_PASSWORD_HASH_SIZE);
    if (sodium_init() < 0) {
        return -1;
    }

    if (crypto_pwhash_str_alg(hash, password, length, params->opslimit, params->memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(hash, LK_PASSWORD_HASH_SIZE);
        return -1;
    }
    return 0;
}

/*
 * Returns true when the salt and hash segments have the lengths lk_password_hash writes.
 * libsodium would also accept shorter hashes, which turns a truncated stored hash into a
 * mismatch instead of an error.
 */
static bool has_expected_segments(const char *stored_hash)
{
    const char *hash_segment = strrchr(stored_hash, '$');
    if (hash_segment == NULL || strlen(hash_segment + 1) != HASH_SEGMENT_LENGTH) {
        return false;
    }

    const char *salt_segment = hash_segment - 1;
    while (salt_segment > stored_hash && *salt_segment != '$') {
        salt_segment--;
    }
    return *salt_segment == '$' && hash_segment - salt_segment - 1 == SALT_SEGMENT_LENGTH;
}

/*
 * Returns true when `stored_hash` is a complete "$argon2id$" string that libsodium can
 * decode. crypto_pwhash_str_needs_rehash decodes every parameter and returns -1 for a
 * malformed string, which lets lk_password_verify tell a malformed hash from a mismatch:
 * crypto_pwhash_str_verify returns -1 for both.
 */
static bool is_argon2id_hash(const char *stored_hash)
{
    static const char prefix[] = crypto_pwhash_argon2id_STRPREFIX;

    if (stored_hash == NULL || strnlen(stored_hash, LK_PASSWORD_HASH_SIZE) == LK_PASSWORD_HASH_SIZE) {
        return false;
    }
    if (strncmp(stored_hash, prefix, sizeof prefix - 1) != 0 ||
        !has_expected_segments(stored_hash)) {
        return false;
    }
    return crypto_pwhash_str_needs_rehash(stored_hash, crypto_pwhash_OPSLIMIT_MIN,
                                          crypto_pwhash_MEMLIMIT_MIN) >= 0;
}

/*
 * libsodium 1.0.18 sets errno to EINVAL when crypto_pwhash_argon2id_str_verify fails
 * because the password does not match. Any other failure of a well-formed hash (memory
 * allocation) leaves errno alone, so it is reported as an error rather than a mismatch.
 */
lk_password_check_t lk_password_verify(const char *stored_hash, const char *password,
                                       size_t length)
{
    if (sodium_init() < 0 || !is_argon2id_hash(stored_hash)) {
        return LK_PASSWORD_CHECK_ERROR;
    }

    errno = 0;
    if (crypto_pwhash_str_verify(stored_hash, password, length) == 0) {
        return LK_PASSWORD_MATCH;
    }
    return errno == EINVAL ? LK_PASSWORD_MISMATCH : LK_PASSWORD_CHECK_ERROR;
}

bool lk_password_needs_rehash(const lk_password_params_t *params, const char *stored_hash)
{
    if (!is_argon2id_hash(stored_hash)) {
        return true;
    }
    return crypto_pwhash_str_needs_rehash(stored_hash, params->opslimit, params->memlimit) != 0;
}

/*
 * The first caller computes the hash while holding the lock, so concurrent first callers
 * wait for that one computation instead of each running Argon2. Later calls return the
 * same string whatever `params` they pass. A failed computation is retried by the next
 * caller.
 */
const char *lk_password_dummy_hash(const lk_password_params_t *params)
{
    unsigned char password[DUMMY_PASSWORD_BYTES];
    const char *result = dummy_hash;

    if (sodium_init() < 0 || pthread_mutex_lock(&dummy_hash_lock) != 0) {
        return NULL;
    }

    if (!dummy_hash_ready) {
        randombytes_buf(password, sizeof password);
        int status = lk_password_hash(params, (const char *)password, sizeof password, dummy_hash);
        sodium_memzero(password, sizeof password);
        dummy_hash_ready = status == 0;
        if (!dummy_hash_ready) {
            result = NULL;
        }
    }

    pthread_mutex_unlock(&dummy_hash_lock);
    return result;
}
