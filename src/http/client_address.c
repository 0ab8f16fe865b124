/* Client address resolution behind trusted proxies; see client_address.h. */
#include "http/client_address.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lk_trusted_proxies {
    size_t count;
    lk_cidr_t ranges[];
};

static const unsigned char ipv4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static size_t count_entries(const char *list)
{
    size_t count = 1;
    for (const char *c = list; *c != '\0'; c++)
        count += *c == ',';
    return count;
}

/* Returns the span of `text` (of `length` bytes) without surrounding spaces and tabs. */
static h2o_iovec_t trim(const char *text, size_t length)
{
    while (length > 0 && (text[0] == ' ' || text[0] == '\t')) {
        text++;
        length--;
    }
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        length--;
    return h2o_iovec_init(text, length);
}

lk_trusted_proxies_t *lk_trusted_proxies_create(const char *list, char *error, size_t error_size)
{
    size_t capacity = list != NULL && list[0] != '\0' ? count_entries(list) : 0;
    lk_trusted_proxies_t *proxies = calloc(1, sizeof(*proxies) + capacity * sizeof(lk_cidr_t));
    if (proxies == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }

    for (const char *start = list; capacity > 0;) {
        const char *comma = strchr(start, ',');
        size_t length = comma != NULL ? (size_t)(comma - start) : strlen(start);
        h2o_iovec_t entry = trim(start, length);
        char problem[96];

        if (lk_cidr_parse(entry.base, entry.len, &proxies->ranges[proxies->count], problem,
                          sizeof(problem)) != 0) {
            snprintf(error, error_size, "invalid trusted proxy \"%.*s\": %s", (int)entry.len,
                     entry.base, problem);
            free(proxies);
            return NULL;
        }
        proxies->count++;
        if (comma == NULL)
            break;
        start = comma + 1;
    }
    return proxies;
}

void lk_trusted_proxies_destroy(lk_trusted_proxies_t *proxies)
{
    free(proxies);
}

static bool is_trusted(const lk_trusted_proxies_t *proxies, const lk_client_address_t *address)
{
    if (proxies == NULL || address->family == 0)
        return false;
    for (size_t i = 0; i < proxies->count; i++) {
        if (lk_cidr_contains(&proxies->ranges[i], address->family, address->bytes))
            return true;
    }
    return false;
}

/* Stores an address given in binary, turning an IPv4-mapped IPv6 address into IPv4. */
static void set_address(lk_client_address_t *address, int family, const void *bytes)
{
    memset(address, 0, sizeof(*address));
    if (family == AF_INET6 && memcmp(bytes, ipv4_mapped_prefix, sizeof(ipv4_mapped_prefix)) == 0) {
        family = AF_INET;
        bytes = (const unsigned char *)bytes + sizeof(ipv4_mapped_prefix);
    }
    address->family = family;
    memcpy(address->bytes, bytes, family == AF_INET ? 4 : 16);
    inet_ntop(family, address->bytes, address->text, sizeof(address->text));
}

static void set_from_socket(lk_client_address_t *address, const struct sockaddr *peer)
{
    memset(address, 0, sizeof(*address));
    if (peer == NULL)
        return;
    if (peer->sa_family == AF_INET)
        set_address(address, AF_INET, &((const struct sockaddr_in *)peer)->sin_addr);
    else if (peer->sa_family == AF_INET6)
        set_address(address, AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr);
}

/*
 * Removes a port from an entry: "[2001:db8::1]:443" and "[2001:db8::1]" give the bracketed
 * address, "192.0.2.1:80" gives the IPv4 address. A bare IPv6 address keeps its colons.
 */
static h2o_iovec_t strip_port(h2o_iovec_t entry)
{
    if (entry.len > 0 && entry.base[0] == '[') {
        const char *bracket = memchr(entry.base, ']', entry.len);
        if (bracket == NULL)
            return h2o_iovec_init(NULL, 0);
        return h2o_iovec_init(entry.base + 1, (size_t)(bracket - entry.base) - 1);
    }
    const char *colon = memchr(entry.base, ':', entry.len);
    if (colon != NULL && memchr(colon + 1, ':', entry.len - (size_t)(colon - entry.base) - 1) == NULL)
        return h2o_iovec_init(entry.base, (size_t)(colon - entry.base));
    return entry;
}

/* Parses one X-Forwarded-For entry. Returns false when it is not an IP address. */
static bool parse_entry(h2o_iovec_t entry, lk_client_address_t *address)
{
    h2o_iovec_t host = strip_port(trim(entry.base, entry.len));
    char text[INET6_ADDRSTRLEN];
    unsigned char bytes[16];

    if (host.len == 0 || host.len >= sizeof(text))
        return false;
    memcpy(text, host.base, host.len);
    text[host.len] = '\0';

    int family = memchr(text, ':', host.len) != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(family, text, bytes) != 1)
        return false;
    set_address(address, family, bytes);
    return true;
}

/*
 * Finds the entry before `end` in `value`, from the right: stores it and returns true, and
 * moves `end` to its comma. Returns false when the value has no entry left.
 */
static bool previous_entry(h2o_iovec_t value, size_t *end, h2o_iovec_t *entry)
{
    if (*end == SIZE_MAX)
        return false;

    size_t start = *end;
    while (start > 0 && value.base[start - 1] != ',')
        start--;
    *entry = h2o_iovec_init(value.base + start, *end - start);
    *end = start > 0 ? start - 1 : SIZE_MAX;
    return true;
}

void lk_client_address_resolve(const lk_trusted_proxies_t *proxies, const struct sockaddr *peer,
                               const h2o_iovec_t *values, size_t value_count,
                               lk_client_address_t *client)
{
    set_from_socket(client, peer);
    size_t examined = 0;

    for (size_t header = value_count; header > 0 && is_trusted(proxies, client); header--) {
        h2o_iovec_t value = values[header - 1];
        size_t end = value.len;
        h2o_iovec_t entry;

        while (is_trusted(proxies, client) && previous_entry(value, &end, &entry)) {
            lk_client_address_t hop;
            if (++examined > LK_FORWARDED_FOR_MAX_ENTRIES || !parse_entry(entry, &hop))
                return;
            *client = hop;
        }
    }
}

size_t lk_client_address_limit_key(const lk_client_address_t *client, unsigned char key[9])
{
    if (client->family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, client->bytes, 4);
        return 5;
    }
    if (client->family == AF_INET6) {
        key[0] = 6;
        memcpy(key + 1, client->bytes, 8);
        return 9;
    }
    return 0;
}
