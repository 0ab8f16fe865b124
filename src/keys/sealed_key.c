/* Generating a sealed signing key; see sealed_key.h. */
#include "keys/sealed_key.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lk_sealed_key_generate(lk_jwt_alg_t alg, const lk_master_key_t *master_key,
                           lk_sealed_key_t *key, char *error, size_t error_size)
{
    char *private_pem = NULL;
    memset(key, 0, sizeof *key);
    key->alg = alg;

    int status = lk_keypair_generate(alg, &private_pem, &key->public_key_pem);
    if (status != 0)
        snprintf(error, error_size, "generating an %s key pair failed", lk_jwt_alg_name(alg));
    if (status == 0 && (status = lk_jwk_thumbprint(alg, key->public_key_pem, key->kid)) != 0)
        snprintf(error, error_size, "computing the key id failed");
    if (status == 0 &&
        (status = lk_master_key_seal(master_key, key->kid, (const uint8_t *)private_pem,
                                     strlen(private_pem), &key->private_key_sealed)) != 0)
        snprintf(error, error_size, "sealing the private key with the master key failed");
    lk_secret_string_free(private_pem);

    if (status != 0)
        lk_sealed_key_dispose(key);
    return status;
}

void lk_sealed_key_dispose(lk_sealed_key_t *key)
{
    free(key->public_key_pem);
    free(key->private_key_sealed);
    memset(key, 0, sizeof *key);
}
