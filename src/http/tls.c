/* TLS server context; see tls.h. */
#include "http/tls.h"

#include <h2o.h>
#include <h2o/http2.h>
#include <openssl/err.h>
#include <stdio.h>

/* TLS 1.2 suites of the Mozilla "intermediate" profile: ECDHE key exchange and AEAD only. */
static const char tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static void describe_openssl_error(const char *what, const char *file, char *error,
                                   size_t error_size)
{
    char reason[200];
    ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
    ERR_clear_error();
    snprintf(error, error_size, "%s %s: %s", what, file, reason);
}

SSL_CTX *lk_tls_context_create(const char *cert_file, const char *key_file, char *error,
                               size_t error_size)
{
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (context == NULL) {
        snprintf(error, error_size, "cannot create the TLS context");
        return NULL;
    }

    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(context, tls12_ciphers) != 1) {
        snprintf(error, error_size, "cannot set the TLS 1.2 cipher list");
        SSL_CTX_free(context);
        return NULL;
    }

    if (SSL_CTX_use_certificate_chain_file(context, cert_file) != 1) {
        describe_openssl_error("cannot load LATCHKEY_TLS_CERT_FILE", cert_file, error,
                               error_size);
        SSL_CTX_free(context);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(context, key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(context) != 1) {
        describe_openssl_error("cannot load LATCHKEY_TLS_KEY_FILE (or it does not match the "
                               "certificate)",
                               key_file, error, error_size);
        SSL_CTX_free(context);
        return NULL;
    }

    h2o_ssl_register_alpn_protocols(context, h2o_http2_alpn_protocols);
    return context;
}
