/* Tests for CIDR parsing and membership. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config/cidr.h"

#include <arpa/inet.h>
#include <string.h>

static lk_cidr_t parse(const char *text)
{
    lk_cidr_t cidr;
    char problem[96];
    assert_int_equal(lk_cidr_parse(text, strlen(text), &cidr, problem, sizeof problem), 0);
    return cidr;
}

static bool contains(const lk_cidr_t *cidr, const char *address)
{
    unsigned char binary[16];
    int family = strchr(address, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, address, binary), 1);
    return lk_cidr_contains(cidr, family, binary);
}

static void parse_ranges(void **state)
{
    (void)state;

    lk_cidr_t ipv4 = parse("10.0.0.0/8");
    assert_int_equal(ipv4.family, AF_INET);
    assert_int_equal(ipv4.prefix_length, 8);
    lk_cidr_t single = parse("192.168.1.7");
    assert_int_equal(single.prefix_length, 32);
    lk_cidr_t ipv6 = parse("fd00::/8");
    assert_int_equal(ipv6.family, AF_INET6);
    assert_int_equal(ipv6.prefix_length, 8);
    lk_cidr_t everything = parse("0.0.0.0/0");
    assert_int_equal(everything.prefix_length, 0);
    lk_cidr_t single_ipv6 = parse("::1");
    assert_int_equal(single_ipv6.prefix_length, 128);
}

static void parse_rejects_malformed(void **state)
{
    (void)state;
    const char *cases[] = {
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
        "10.0.0.0/0008", "10.0.0/8", "10.0.0.256/32", "fd00::/129", "fd00::1/8", "10.0.0.1/8",
        "example.com", "10.0.0.0 /8", "1:2:3:4:5:6:7:8:9/64",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_cidr_t cidr;
        char problem[96] = "";
        print_message("case: %s\n", cases[i]);
        assert_int_equal(lk_cidr_parse(cases[i], strlen(cases[i]), &cidr, problem, sizeof problem),
                         -1);
        assert_true(strlen(problem) > 0);
    }
}

static void contains_checks_prefix(void **state)
{
    (void)state;
    lk_cidr_t private_range = parse("10.0.0.0/8");
    lk_cidr_t odd_prefix = parse("192.168.0.0/23");
    lk_cidr_t ipv6 = parse("fd00::/8");
    lk_cidr_t everything = parse("0.0.0.0/0");
    lk_cidr_t single = parse("192.168.1.7");

    assert_true(contains(&private_range, "10.255.0.1"));
    assert_false(contains(&private_range, "11.0.0.1"));
    assert_true(contains(&odd_prefix, "192.168.1.255"));
    assert_false(contains(&odd_prefix, "192.168.2.0"));
    assert_true(contains(&ipv6, "fdab::1"));
    assert_false(contains(&ipv6, "fe80::1"));
    assert_false(contains(&ipv6, "10.0.0.1"));
    assert_false(contains(&private_range, "::ffff:10.0.0.1"));
    assert_true(contains(&everything, "203.0.113.9"));
    assert_true(contains(&single, "192.168.1.7"));
    assert_false(contains(&single, "192.168.1.8"));
}

static void list_check(void **state)
{
    (void)state;
    char problem[256];

    assert_int_equal(lk_cidr_list_check("10.0.0.0/8", problem, sizeof problem), 0);
    assert_int_equal(lk_cidr_list_check("10.0.0.0/8 , fd00::/8,127.0.0.1", problem, sizeof problem),
                     0);
    assert_int_equal(lk_cidr_list_check("10.0.0.0/8,,fd00::/8", problem, sizeof problem), -1);
    assert_int_equal(lk_cidr_list_check("10.0.0.0/8,fd00::/200", problem, sizeof problem), -1);
    assert_string_equal(problem, "invalid entry \"fd00::/200\" (prefix length must be from 0 to "
                                 "128): expected CIDRs such as 10.0.0.0/8,fd00::/8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_ranges),
        cmocka_unit_test(parse_rejects_malformed),
        cmocka_unit_test(contains_checks_prefix),
        cmocka_unit_test(list_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
