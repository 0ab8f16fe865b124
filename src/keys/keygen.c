/* Key pair generation for `latchkey keys create`, written out as PEM text. */
#include "keys/signing_key.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Returns the text written to a memory BIO as a new malloc'ed NUL-terminated string. */
static char *copy_bio_text(BIO *bio)
{
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    char *text;

    if (length <= 0 || data == NULL) {
        return NULL;
    }
    text = malloc((size_t)length + 1);
    if (text == NULL) {
        return NULL;
    }
    memcpy(text, data, (size_t)length);
    text[length] = '\0';
    return text;
}

/* Writes the private key as PKCS#8 PEM. The secure-memory BIO wipes its buffer when freed. */
static char *write_private_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    char *pem = NULL;

    if (bio == NULL) {
        return NULL;
    }
    if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        pem = copy_bio_text(bio);
    }
    BIO_free(bio);
    return pem;
}

/* Writes the public key as SubjectPublicKeyInfo PEM. */
static char *write_public_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;

    if (bio == NULL) {
        return NULL;
    }
    if (PEM_write_bio_PUBKEY(bio, key) == 1) {
        pem = copy_bio_text(bio);
    }
    BIO_free(bio);
    return pem;
}

int lk_keypair_generate(lk_jwt_alg_t alg, char **private_pem, char **public_pem)
{
    EVP_PKEY *key = NULL;

    *private_pem = NULL;
    *public_pem = NULL;
    if (alg == LK_ALG_ES256) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
    } else if (alg == LK_ALG_RS256) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)LK_RSA_KEY_BITS);
    }
    if (key == NULL) {
        ERR_clear_error();
        return -1;
    }

    *private_pem = write_private_pem(key);
    *public_pem = write_public_pem(key);
    EVP_PKEY_free(key);
    ERR_clear_error();

    if (*private_pem == NULL || *public_pem == NULL) {
        lk_secret_string_free(*private_pem);
        free(*public_pem);
        *private_pem = NULL;
        *public_pem = NULL;
        return -1;
    }
    return 0;
}

void lk_secret_string_free(char *secret)
{
    if (secret == NULL) {
        return;
    }
    sodium_memzero(secret, strlen(secret));
    free(secret);
}
