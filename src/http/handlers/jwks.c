/* GET /.well-known/jwks.json: the published public keys (RFC 7517), cacheable, with ETag. */
#include "http/handlers/handlers.h"

#include "http/respond.h"

#include <stdio.h>
#include <string.h>

/* True when an If-None-Match header lists `etag` or is "*". */
static bool matches_if_none_match(h2o_iovec_t header, const char *etag)
{
    if (header.base == NULL)
        return false;
    if (header.len == 1 && header.base[0] == '*')
        return true;

    size_t etag_length = strlen(etag);
    for (size_t i = 0; i + etag_length <= header.len; i++) {
        if (memcmp(header.base + i, etag, etag_length) == 0)
            return true;
    }
    return false;
}

void lk_handle_jwks(lk_request_t *request)
{
    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);

    char cache_control[64];
    snprintf(cache_control, sizeof(cache_control), "public, max-age=%lld",
             (long long)request->app->config->jwks_max_age);
    lk_response_header(request, "cache-control", cache_control);
    const char *etag = lk_keyring_jwks_etag(ring);
    lk_response_header(request, "etag", etag);

    if (matches_if_none_match(lk_request_header(request, "if-none-match"), etag)) {
        lk_respond_empty(request, 304);
    } else {
        size_t length;
        const char *document = lk_keyring_jwks(ring, &length);
        lk_respond_bytes(request, 200, "application/json", document, length);
    }
    lk_keyring_release(ring);
}
