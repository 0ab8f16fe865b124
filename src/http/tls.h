/* The TLS context of the https listeners. */
#ifndef LK_HTTP_TLS_H
#define LK_HTTP_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/*
 * Creates a server context from PEM files: TLS 1.2 and 1.3 only, forward-secret AEAD
 * cipher suites, no renegotiation or compression, ALPN offering h2 then http/1.1.
 * Returns the context, or NULL with a one-line reason in `error`.
 */
__attribute__((warn_unused_result)) SSL_CTX *lk_tls_context_create(const char *cert_file,
                                                                   const char *key_file,
                                                                   char *error,
                                                                   size_t error_size);

#endif
