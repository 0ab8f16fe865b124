/* Parsing and formatting of https://ADDR:PORT and http://ADDR:PORT listen addresses. */
#include "config/listen_address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define MAX_PORT 65535

static const char https_scheme[] = "https://";
static const char http_scheme[] = "http://";

static bool has_prefix(const char *text, size_t length, const char *prefix)
{
    size_t prefix_length = strlen(prefix);
    return length >= prefix_length && memcmp(text, prefix, prefix_length) == 0;
}

/* Returns true for a host name of letters, digits and hyphens in non-empty dot-separated
 * labels. */
static bool is_host_name(const char *host)
{
    size_t label_length = 0;

    for (const char *c = host; *c != '\0'; c++) {
        if (*c == '.') {
            if (label_length == 0) {
                return false;
            }
            label_length = 0;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '-') {
            label_length++;
        } else {
            return false;
        }
    }
    return label_length > 0;
}

/* Returns true when a host without brackets is a valid IPv4 literal or host name. A host
 * of digits and dots only must be an IPv4 literal, so "1.2.3" is rejected. */
static bool is_valid_host(const char *host)
{
    unsigned char binary[sizeof(struct in_addr)];

    if (strspn(host, "0123456789.") == strlen(host)) {
        return inet_pton(AF_INET, host, binary) == 1;
    }
    return is_host_name(host);
}

/* Parses the decimal port after the host. Returns 0, or -1 with the problem. */
static int parse_port(const char *text, size_t length, uint16_t *port, char *problem, size_t size)
{
    unsigned long value = 0;

    if (length == 0) {
        snprintf(problem, size, "missing port after the address, such as :8443");
        return -1;
    }
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') {
            snprintf(problem, size, "port must be a number from 1 to %d", MAX_PORT);
            return -1;
        }
        value = value * 10 + (unsigned long)(text[i] - '0');
        if (value > MAX_PORT) {
            break;
        }
    }
    if (value == 0 || value > MAX_PORT) {
        snprintf(problem, size, "port must be from 1 to %d", MAX_PORT);
        return -1;
    }
    *port = (uint16_t)value;
    return 0;
}

/*
 * Splits "HOST:PORT" or "[IPV6]:PORT" into the host, stored in `address`, and stores where
 * the port starts. Returns 0, or -1 with the problem.
 */
static int parse_host(const char *text, size_t length, lk_listen_address_t *address,
                      const char **port, char *problem, size_t size)
{
    const char *host = text;
    const char *host_end = memchr(text, ':', length);
    bool bracketed = length > 0 && text[0] == '[';

    if (bracketed) {
        host = text + 1;
        host_end = memchr(text, ']', length);
        if (host_end == NULL || host_end + 1 == text + length || host_end[1] != ':') {
            snprintf(problem, size, "expected [IPV6]:PORT, such as https://[::1]:8443");
            return -1;
        }
    } else if (host_end == NULL) {
        snprintf(problem, size, "missing port after the address, such as :8443");
        return -1;
    } else if (memchr(host_end + 1, ':', length - (size_t)(host_end + 1 - text)) != NULL) {
        snprintf(problem, size, "IPv6 addresses need brackets, such as https://[::1]:8443");
        return -1;
    }

    size_t host_length = (size_t)(host_end - host);
    if (host_length == 0 || host_length >= sizeof address->host) {
        snprintf(problem, size, "the address must have 1 to %zu characters",
                 sizeof address->host - 1);
        return -1;
    }
    memcpy(address->host, host, host_length);
    address->host[host_length] = '\0';

    unsigned char binary[sizeof(struct in6_addr)];
    bool valid = bracketed ? inet_pton(AF_INET6, address->host, binary) == 1
                           : is_valid_host(address->host);
    if (!valid) {
        snprintf(problem, size, "invalid %s address", bracketed ? "IPv6" : "IPv4 or host name");
        return -1;
    }
    *port = host_end + (bracketed ? 2 : 1);
    return 0;
}

int lk_listen_address_parse(const char *text, size_t length, lk_listen_address_t *address,
                            char *problem, size_t problem_size)
{
    memset(address, 0, sizeof *address);

    size_t scheme_length = 0;
    if (has_prefix(text, length, https_scheme)) {
        address->tls = true;
        scheme_length = strlen(https_scheme);
    } else if (has_prefix(text, length, http_scheme)) {
        scheme_length = strlen(http_scheme);
    } else {
        snprintf(problem, problem_size, "expected https://ADDR:PORT or http://ADDR:PORT");
        return -1;
    }

    const char *rest = text + scheme_length;
    const char *port = NULL;
    if (parse_host(rest, length - scheme_length, address, &port, problem, problem_size) != 0) {
        return -1;
    }
    return parse_port(port, (size_t)(text + length - port), &address->port, problem, problem_size);
}

static bool is_listed(const lk_listen_address_t *addresses, size_t count,
                      const lk_listen_address_t *address)
{
    for (size_t i = 0; i < count; i++) {
        if (addresses[i].port == address->port && strcmp(addresses[i].host, address->host) == 0) {
            return true;
        }
    }
    return false;
}

/* Parses one list entry after trimming spaces and appends it. Returns 0, or -1 with the
 * problem. */
static int add_entry(const char *start, const char *end, lk_listen_address_t *addresses,
                     size_t max_addresses, size_t *count, char *problem, size_t size)
{
    lk_listen_address_t address;

    while (start < end && *start == ' ') {
        start++;
    }
    while (end > start && end[-1] == ' ') {
        end--;
    }
    if (start == end) {
        snprintf(problem, size, "empty entry in the comma-separated list");
        return -1;
    }
    if (*count == max_addresses) {
        snprintf(problem, size, "at most %zu addresses are allowed", max_addresses);
        return -1;
    }
    if (lk_listen_address_parse(start, (size_t)(end - start), &address, problem, size) != 0) {
        return -1;
    }
    if (is_listed(addresses, *count, &address)) {
        snprintf(problem, size, "port %u on %s is listed twice", address.port, address.host);
        return -1;
    }
    addresses[(*count)++] = address;
    return 0;
}

int lk_listen_list_parse(const char *text, lk_listen_address_t *addresses, size_t max_addresses,
                         size_t *count, char *problem, size_t problem_size)
{
    const char *start = text;

    *count = 0;
    for (;;) {
        const char *comma = strchr(start, ',');
        const char *end = comma != NULL ? comma : start + strlen(start);
        if (add_entry(start, end, addresses, max_addresses, count, problem, problem_size) != 0) {
            return -1;
        }
        if (comma == NULL) {
            return 0;
        }
        start = comma + 1;
    }
}

void lk_listen_address_to_url(const lk_listen_address_t *address, char *output, size_t size)
{
    bool ipv6 = strchr(address->host, ':') != NULL;

    snprintf(output, size, "%s%s%s%s:%u", address->tls ? https_scheme : http_scheme,
             ipv6 ? "[" : "", address->host, ipv6 ? "]" : "", address->port);
}
