/*
 * Listen addresses of the form https://ADDR:PORT or http://ADDR:PORT, where ADDR is an
 * IPv4 literal, an IPv6 literal in brackets or a host name. Pure functions, safe on any
 * thread.
 */
#ifndef LK_CONFIG_LISTEN_ADDRESS_H
#define LK_CONFIG_LISTEN_ADDRESS_H

#include "config/config.h"

/*
 * Parses one address of `length` bytes. Returns 0, or -1 with the problem in `problem`
 * ("port must be from 1 to 65535").
 */
__attribute__((warn_unused_result)) int lk_listen_address_parse(const char *text, size_t length,
                                                                lk_listen_address_t *address,
                                                                char *problem,
                                                                size_t problem_size);

/*
 * Parses a comma-separated list of at most `max_addresses` addresses, with spaces allowed
 * around the commas. The same host and port may not appear twice. Returns 0 and stores
 * the count, or -1 with the problem in `problem`.
 */
__attribute__((warn_unused_result)) int lk_listen_list_parse(const char *text,
                                                             lk_listen_address_t *addresses,
                                                             size_t max_addresses, size_t *count,
                                                             char *problem, size_t problem_size);

/* Writes an address back in its URL form ("https://[::1]:8443"). */
void lk_listen_address_to_url(const lk_listen_address_t *address, char *output, size_t size);

#endif
