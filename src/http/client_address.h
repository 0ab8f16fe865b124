/*
 * The client address of a request: the socket peer, or, when the peer is one of the
 * trusted proxies (LATCHKEY_TRUSTED_PROXIES), the address that X-Forwarded-For names. Rate
 * limits and the request log use it. Pure functions over immutable data, safe on any thread.
 */
#ifndef LK_HTTP_CLIENT_ADDRESS_H
#define LK_HTTP_CLIENT_ADDRESS_H

#include "config/cidr.h"

#include <h2o/memory.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* X-Forwarded-For entries examined per request, counted from the right; more are ignored. */
#define LK_FORWARDED_FOR_MAX_ENTRIES 32

typedef struct lk_client_address {
    int family;                  /* AF_INET or AF_INET6; 0 when unknown */
    unsigned char bytes[16];     /* network byte order; the first 4 bytes for AF_INET */
    char text[INET6_ADDRSTRLEN]; /* the address as the request log shows it, or "" */
} lk_client_address_t;

typedef struct lk_trusted_proxies lk_trusted_proxies_t;

/*
 * Parses a comma-separated list of CIDRs (NULL or "" for none). Returns the list, or NULL
 * with the problem in `error` (the configuration loader has checked the syntax already, so
 * that means out of memory).
 */
__attribute__((warn_unused_result)) lk_trusted_proxies_t *lk_trusted_proxies_create(
    const char *list, char *error, size_t error_size);

/* Frees the list. Accepts NULL. */
void lk_trusted_proxies_destroy(lk_trusted_proxies_t *proxies);

/*
 * Resolves the client address of a request that came from `peer`. When the peer is a
 * trusted proxy, the X-Forwarded-For `values` (one per header line, in the order received)
 * are read from the right: trusted hops are skipped and the first untrusted address is the
 * client. When every hop is trusted the leftmost one is the client. An entry that is not an
 * IP address stops the walk at the last hop before it, because whatever lies beyond it cannot
 * be trusted. IPv4-mapped IPv6 addresses become IPv4. `proxies` may be NULL.
 */
void lk_client_address_resolve(const lk_trusted_proxies_t *proxies, const struct sockaddr *peer,
                               const h2o_iovec_t *values, size_t value_count,
                               lk_client_address_t *client);

/*
 * Writes the form of `client` that rate limits count: the family byte followed by the IPv4
 * address, or by the first 64 bits of an IPv6 address, because one IPv6 subscriber usually
 * has a whole /64. Returns the number of bytes written (5 or 9), or 0 for an unknown
 * address.
 */
size_t lk_client_address_limit_key(const lk_client_address_t *client, unsigned char key[9]);

#endif
