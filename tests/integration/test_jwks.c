/* End-to-end checks of the published key set and the OpenID provider metadata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support/http_client.h"
#include "support/response_checks.h"

/* JWK members that only a private or symmetric key has (RFC 7518, section 6). */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

static json_t *fetch_jwks(void)
{
    struct lk_test_response response;
    json_t *jwks;

    lk_test_get("/.well-known/jwks.json", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    jwks = lk_test_json_body(&response);
    lk_test_response_dispose(&response);
    return jwks;
}

/* Returns the max-age of a Cache-Control value, or -1 if it has none. */
static long max_age_of(const char *cache_control)
{
    const char *found = cache_control != NULL ? strstr(cache_control, "max-age=") : NULL;

    return found != NULL ? strtol(found + strlen("max-age="), NULL, 10) : -1;
}

/* Fails the test unless RESPONSE is cacheable: public, a positive max-age, no no-store. */
static void assert_publicly_cacheable(const struct lk_test_response *response)
{
    const char *cache_control = lk_test_header(response, "Cache-Control");

    assert_non_null(cache_control);
    assert_true(lk_test_header_lists(cache_control, "public"));
    assert_false(lk_test_header_lists(cache_control, "no-store"));
    assert_true(max_age_of(cache_control) > 0);
}

static void test_jwks_is_cacheable_json(void **state)
{
    struct lk_test_response response;
    const char *content_type;

    (void)state;
    lk_test_get("/.well-known/jwks.json", LK_TEST_HTTP_2, &response);

    assert_int_equal(response.status, 200);
    content_type = lk_test_header(&response, "Content-Type");
    assert_non_null(content_type);
    assert_true(strncmp(content_type, "application/json", 16) == 0 ||
                strncmp(content_type, "application/jwk-set+json", 24) == 0);
    assert_publicly_cacheable(&response);
    lk_test_assert_security_headers(&response);
    lk_test_response_dispose(&response);
}

static void test_jwks_keys_are_es256_public_keys(void **state)
{
    json_t *jwks = fetch_jwks();
    json_t *keys = json_object_get(jwks, "keys");
    size_t index;
    json_t *key;

    (void)state;
    assert_true(json_is_array(keys));
    assert_true(json_array_size(keys) >= 1);
    json_array_foreach(keys, index, key) {
        const char *alg = json_string_value(json_object_get(key, "alg"));

        assert_non_null(json_string_value(json_object_get(key, "kid")));
        assert_string_equal(json_string_value(json_object_get(key, "use")), "sig");
        assert_non_null(alg);
        if (strcmp(alg, "ES256") == 0) {
            assert_string_equal(json_string_value(json_object_get(key, "kty")), "EC");
            assert_string_equal(json_string_value(json_object_get(key, "crv")), "P-256");
            /* 32 bytes in unpadded base64url are 43 characters. */
            assert_int_equal(strlen(json_string_value(json_object_get(key, "x"))), 43);
            assert_int_equal(strlen(json_string_value(json_object_get(key, "y"))), 43);
        } else {
            assert_string_equal(alg, "RS256");
            assert_string_equal(json_string_value(json_object_get(key, "kty")), "RSA");
        }
    }
    json_decref(jwks);
}

static void test_jwks_has_no_private_members(void **state)
{
    json_t *jwks = fetch_jwks();
    size_t index;
    json_t *key;

    (void)state;
    json_array_foreach(json_object_get(jwks, "keys"), index, key) {
        for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++) {
            if (json_object_get(key, private_members[i]) != NULL) {
                fail_msg("JWKS key %zu has the private member \"%s\"", index, private_members[i]);
            }
        }
    }
    json_decref(jwks);
}

static void test_jwks_kids_are_unique(void **state)
{
    json_t *jwks = fetch_jwks();
    json_t *keys = json_object_get(jwks, "keys");

    (void)state;
    for (size_t i = 0; i < json_array_size(keys); i++) {
        for (size_t j = i + 1; j < json_array_size(keys); j++) {
            assert_string_not_equal(json_string_value(json_object_get(json_array_get(keys, i), "kid")),
                                    json_string_value(json_object_get(json_array_get(keys, j), "kid")));
        }
    }
    json_decref(jwks);
}

static void test_openid_configuration_names_issuer(void **state)
{
    struct lk_test_response response;
    json_t *metadata;
    const char *jwks_uri;
    const char *suffix = "/.well-known/jwks.json";

    (void)state;
    lk_test_get("/.well-known/openid-configuration", LK_TEST_HTTP_2, &response);
    assert_int_equal(response.status, 200);
    assert_publicly_cacheable(&response);
    metadata = lk_test_json_body(&response);

    assert_string_equal(json_string_value(json_object_get(metadata, "issuer")), lk_test_env("LK_TEST_ISSUER"));
    jwks_uri = json_string_value(json_object_get(metadata, "jwks_uri"));
    assert_non_null(jwks_uri);
    assert_true(strncmp(jwks_uri, "https://", 8) == 0);
    assert_true(strlen(jwks_uri) > strlen(suffix));
    assert_string_equal(jwks_uri + strlen(jwks_uri) - strlen(suffix), suffix);

    json_decref(metadata);
    lk_test_response_dispose(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwks_is_cacheable_json),
        cmocka_unit_test(test_jwks_keys_are_es256_public_keys),
        cmocka_unit_test(test_jwks_has_no_private_members),
        cmocka_unit_test(test_jwks_kids_are_unique),
        cmocka_unit_test(test_openid_configuration_names_issuer),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
