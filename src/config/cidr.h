/*
 * IPv4 and IPv6 address ranges in CIDR notation ("10.0.0.0/8", "fd00::/8"), as used by
 * LATCHKEY_TRUSTED_PROXIES. A bare address is a range of one address. Pure functions,
 * safe on any thread.
 */
#ifndef LK_CONFIG_CIDR_H
#define LK_CONFIG_CIDR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lk_cidr {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char address[16];  /* network byte order; only the first 4 bytes for AF_INET */
    unsigned prefix_length;     /* bits: 0 to 32 for AF_INET, 0 to 128 for AF_INET6 */
} lk_cidr_t;

/*
 * Parses one range of `length` bytes. Rejects bits set after the prefix ("10.0.0.1/8"),
 * because such a range was most likely mistyped. Returns 0, or -1 with the problem in
 * `problem`.
 */
__attribute__((warn_unused_result)) int lk_cidr_parse(const char *text, size_t length,
                                                      lk_cidr_t *cidr, char *problem,
                                                      size_t problem_size);

/*
 * Checks a comma-separated list of ranges, with spaces allowed around the commas.
 * Returns 0, or -1 with the problem, which quotes the first invalid entry.
 */
__attribute__((warn_unused_result)) int lk_cidr_list_check(const char *text, char *problem,
                                                           size_t problem_size);

/* Returns true when `address` (4 or 16 bytes in network order, per `family`) lies in the
 * range. */
bool lk_cidr_contains(const lk_cidr_t *cidr, int family, const unsigned char *address);

#endif
