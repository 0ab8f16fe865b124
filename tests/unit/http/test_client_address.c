/* Tests for client address resolution through X-Forwarded-For and the /64 limit key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/client_address.h"

#include <arpa/inet.h>
#include <string.h>

/* Builds a socket address from text. */
static struct sockaddr_storage socket_address(const char *text)
{
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof(storage));
    if (strchr(text, ':') != NULL) {
        struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)&storage;
        ipv6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, text, &ipv6->sin6_addr), 1);
    } else {
        struct sockaddr_in *ipv4 = (struct sockaddr_in *)&storage;
        ipv4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, text, &ipv4->sin_addr), 1);
    }
    return storage;
}

typedef struct resolve_case {
    const char *label;
    const char *trusted;       /* LATCHKEY_TRUSTED_PROXIES, or NULL */
    const char *peer;
    const char *headers[3];    /* X-Forwarded-For lines in order, NULL-terminated */
    const char *expected;
} resolve_case_t;

static const resolve_case_t resolve_cases[] = {
    {"no proxies configured", NULL, "192.0.2.10", {"198.51.100.1", NULL}, "192.0.2.10"},
    {"untrusted peer ignores header", "10.0.0.0/8", "192.0.2.10", {"198.51.100.1", NULL},
     "192.0.2.10"},
    {"trusted peer without header", "10.0.0.0/8", "10.0.0.1", {NULL}, "10.0.0.1"},
    {"trusted peer, one entry", "10.0.0.0/8", "10.0.0.1", {"198.51.100.1", NULL}, "198.51.100.1"},
    {"rightmost untrusted wins", "10.0.0.0/8", "10.0.0.1", {"203.0.113.9, 198.51.100.1", NULL},
     "198.51.100.1"},
    {"trusted hops skipped", "10.0.0.0/8", "10.0.0.1", {"203.0.113.9, 10.1.1.1, 10.2.2.2", NULL},
     "203.0.113.9"},
    {"spoofed left entry ignored", "10.0.0.0/8", "10.0.0.1",
     {"1.1.1.1, 203.0.113.9, 10.2.2.2", NULL}, "203.0.113.9"},
    {"all hops trusted", "10.0.0.0/8", "10.0.0.1", {"10.3.3.3, 10.2.2.2", NULL}, "10.3.3.3"},
    {"several header lines", "10.0.0.0/8", "10.0.0.1", {"203.0.113.9", "10.2.2.2", NULL},
     "203.0.113.9"},
    {"invalid entry stops at the hop before it", "10.0.0.0/8", "10.0.0.1",
     {"203.0.113.9, unknown, 10.2.2.2", NULL}, "10.2.2.2"},
    {"invalid only entry keeps the peer", "10.0.0.0/8", "10.0.0.1", {"garbage", NULL}, "10.0.0.1"},
    {"empty header keeps the peer", "10.0.0.0/8", "10.0.0.1", {"", NULL}, "10.0.0.1"},
    {"IPv4 with port", "10.0.0.0/8", "10.0.0.1", {"198.51.100.1:4711", NULL}, "198.51.100.1"},
    {"bare IPv6", "10.0.0.0/8", "10.0.0.1", {"2001:db8::1", NULL}, "2001:db8::1"},
    {"bracketed IPv6 with port", "10.0.0.0/8", "10.0.0.1", {"[2001:db8::2]:443", NULL},
     "2001:db8::2"},
    {"unclosed bracket", "10.0.0.0/8", "10.0.0.1", {"[2001:db8::2", NULL}, "10.0.0.1"},
    {"IPv4-mapped entry becomes IPv4", "10.0.0.0/8", "10.0.0.1", {"::ffff:198.51.100.7", NULL},
     "198.51.100.7"},
    {"IPv4-mapped peer is trusted as IPv4", "10.0.0.0/8", "::ffff:10.0.0.1",
     {"198.51.100.1", NULL}, "198.51.100.1"},
    {"IPv6 proxy range", "fd00::/8", "fd00::1", {"203.0.113.9, fd00::2", NULL}, "203.0.113.9"},
    {"tabs and spaces trimmed", "10.0.0.0/8", "10.0.0.1", {" \t203.0.113.9\t ,10.2.2.2 ", NULL},
     "203.0.113.9"},
};

static void check_resolve_case(const resolve_case_t *c)
{
    char error[128];
    lk_trusted_proxies_t *proxies = lk_trusted_proxies_create(c->trusted, error, sizeof(error));
    struct sockaddr_storage peer = socket_address(c->peer);
    h2o_iovec_t values[3];
    size_t count = 0;
    lk_client_address_t client;

    print_message("case: %s\n", c->label);
    assert_non_null(proxies);
    while (count < 3 && c->headers[count] != NULL) {
        values[count] = h2o_iovec_init(c->headers[count], strlen(c->headers[count]));
        count++;
    }
    lk_client_address_resolve(proxies, (const struct sockaddr *)&peer, values, count, &client);
    assert_string_equal(client.text, c->expected);
    lk_trusted_proxies_destroy(proxies);
}

static void resolve_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++)
        check_resolve_case(&resolve_cases[i]);
}

/* A chain longer than LK_FORWARDED_FOR_MAX_ENTRIES stops at the last hop examined. */
static void resolve_caps_examined_entries(void **state)
{
    (void)state;
    char chain[4096] = "203.0.113.9";
    char error[128];
    for (int i = 0; i < LK_FORWARDED_FOR_MAX_ENTRIES + 5; i++) {
        char hop[32];
        snprintf(hop, sizeof(hop), ", 10.0.%d.%d", i / 250, i % 250 + 1);
        strcat(chain, hop);
    }
    lk_trusted_proxies_t *proxies = lk_trusted_proxies_create("10.0.0.0/8", error, sizeof(error));
    struct sockaddr_storage peer = socket_address("10.255.0.1");
    h2o_iovec_t value = h2o_iovec_init(chain, strlen(chain));
    lk_client_address_t client;

    lk_client_address_resolve(proxies, (const struct sockaddr *)&peer, &value, 1, &client);
    assert_string_not_equal(client.text, "203.0.113.9");
    assert_int_equal(client.family, AF_INET);
    assert_int_equal(client.bytes[0], 10);
    lk_trusted_proxies_destroy(proxies);
}

static void resolve_without_peer(void **state)
{
    (void)state;
    lk_client_address_t client;
    lk_client_address_resolve(NULL, NULL, NULL, 0, &client);
    assert_int_equal(client.family, 0);
    assert_string_equal(client.text, "");
}

static void proxies_reject_invalid_list(void **state)
{
    (void)state;
    char error[128] = "";
    assert_null(lk_trusted_proxies_create("10.0.0.0/8, nonsense", error, sizeof(error)));
    assert_non_null(strstr(error, "nonsense"));
}

static void proxies_accept_empty_list(void **state)
{
    (void)state;
    char error[128];
    lk_trusted_proxies_t *proxies = lk_trusted_proxies_create("", error, sizeof(error));
    assert_non_null(proxies);
    lk_trusted_proxies_destroy(proxies);
    lk_trusted_proxies_destroy(NULL);
}

static size_t limit_key_of(const char *text, unsigned char key[9])
{
    struct sockaddr_storage peer = socket_address(text);
    lk_client_address_t client;
    lk_client_address_resolve(NULL, (const struct sockaddr *)&peer, NULL, 0, &client);
    return lk_client_address_limit_key(&client, key);
}

static void limit_key_groups_ipv6_by_64(void **state)
{
    (void)state;
    unsigned char first[9];
    unsigned char second[9];
    unsigned char other[9];

    assert_int_equal(limit_key_of("2001:db8:1:2::1", first), 9);
    assert_int_equal(limit_key_of("2001:db8:1:2:ffff:ffff:ffff:ffff", second), 9);
    assert_int_equal(limit_key_of("2001:db8:1:3::1", other), 9);
    assert_memory_equal(first, second, 9);
    assert_memory_not_equal(first, other, 9);
}

static void limit_key_keeps_whole_ipv4(void **state)
{
    (void)state;
    unsigned char first[9];
    unsigned char second[9];

    assert_int_equal(limit_key_of("192.0.2.1", first), 5);
    assert_int_equal(limit_key_of("192.0.2.2", second), 5);
    assert_int_equal(first[0], 4);
    assert_memory_not_equal(first, second, 5);
}

static void limit_key_of_unknown_address(void **state)
{
    (void)state;
    lk_client_address_t client = {.family = 0};
    unsigned char key[9];
    assert_int_equal(lk_client_address_limit_key(&client, key), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolve_table),
        cmocka_unit_test(resolve_caps_examined_entries),
        cmocka_unit_test(resolve_without_peer),
        cmocka_unit_test(proxies_reject_invalid_list),
        cmocka_unit_test(proxies_accept_empty_list),
        cmocka_unit_test(limit_key_groups_ipv6_by_64),
        cmocka_unit_test(limit_key_keeps_whole_ipv4),
        cmocka_unit_test(limit_key_of_unknown_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
