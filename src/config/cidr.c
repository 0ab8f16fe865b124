/* CIDR range parsing with inet_pton, and membership tests. */
#include "config/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static size_t address_bytes(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* Parses the decimal prefix length after '/'. Returns -1 for anything but 1 to 3 digits. */
static int parse_prefix_length(const char *text, size_t length, unsigned *prefix_length)
{
    unsigned value = 0;

    if (length == 0 || length > 3) {
        return -1;
    }
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        value = value * 10 + (unsigned)(text[i] - '0');
    }
    *prefix_length = value;
    return 0;
}

/* Returns true when any bit after the first `prefix_length` bits is set. */
static bool has_host_bits(const lk_cidr_t *cidr)
{
    for (size_t bit = cidr->prefix_length; bit < address_bytes(cidr->family) * 8; bit++) {
        if (cidr->address[bit / 8] & (0x80u >> (bit % 8))) {
            return true;
        }
    }
    return false;
}

int lk_cidr_parse(const char *text, size_t length, lk_cidr_t *cidr, char *problem,
                  size_t problem_size)
{
    char address[INET6_ADDRSTRLEN];
    const char *slash = memchr(text, '/', length);
    size_t address_length = slash != NULL ? (size_t)(slash - text) : length;

    memset(cidr, 0, sizeof *cidr);
    if (address_length == 0 || address_length >= sizeof address) {
        snprintf(problem, problem_size, "invalid IP address");
        return -1;
    }
    memcpy(address, text, address_length);
    address[address_length] = '\0';

    cidr->family = memchr(address, ':', address_length) != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(cidr->family, address, cidr->address) != 1) {
        snprintf(problem, problem_size, "invalid IP address");
        return -1;
    }

    unsigned maximum = (unsigned)address_bytes(cidr->family) * 8;
    cidr->prefix_length = maximum;
    if (slash != NULL && (parse_prefix_length(slash + 1, length - address_length - 1,
                                              &cidr->prefix_length) != 0 ||
                          cidr->prefix_length > maximum)) {
        snprintf(problem, problem_size, "prefix length must be from 0 to %u", maximum);
        return -1;
    }
    if (has_host_bits(cidr)) {
        snprintf(problem, problem_size, "bits are set after the /%u prefix", cidr->prefix_length);
        return -1;
    }
    return 0;
}

int lk_cidr_list_check(const char *text, char *problem, size_t problem_size)
{
    char reason[96];
    lk_cidr_t cidr;

    for (const char *start = text;;) {
        const char *comma = strchr(start, ',');
        const char *end = comma != NULL ? comma : start + strlen(start);
        while (start < end && *start == ' ') {
            start++;
        }
        while (end > start && end[-1] == ' ') {
            end--;
        }

        if (lk_cidr_parse(start, (size_t)(end - start), &cidr, reason, sizeof reason) != 0) {
            snprintf(problem, problem_size,
                     "invalid entry \"%.*s\" (%s): expected CIDRs such as 10.0.0.0/8,fd00::/8",
                     (int)(end - start), start, reason);
            return -1;
        }
        if (comma == NULL) {
            return 0;
        }
        start = comma + 1;
    }
}

bool lk_cidr_contains(const lk_cidr_t *cidr, int family, const unsigned char *address)
{
    if (family != cidr->family) {
        return false;
    }

    size_t whole_bytes = cidr->prefix_length / 8;
    unsigned remaining_bits = cidr->prefix_length % 8;
    if (memcmp(cidr->address, address, whole_bytes) != 0) {
        return false;
    }
    if (remaining_bits == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xFFu << (8 - remaining_bits));
    return (cidr->address[whole_bytes] & mask) == (address[whole_bytes] & mask);
}
