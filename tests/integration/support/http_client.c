/* libcurl wrapper for the integration tests; see http_client.h. */
#include "support/http_client.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

enum { REQUEST_TIMEOUT_SECONDS = 30 };

int lk_test_http_global_init(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int lk_test_http_global_cleanup(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

const char *lk_test_env(const char *name)
{
    const char *value = getenv(name);

    if (value == NULL || value[0] == '\0') {
        fail_msg("environment variable %s is missing: run the integration tests through tests/run.sh", name);
    }
    return value;
}

/* Appends libcurl's body chunks to the response, keeping it NUL-terminated. */
static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
    struct lk_test_response *response = userdata;
    size_t length = size * count;
    char *body = realloc(response->body, response->body_length + length + 1);

    if (body == NULL) {
        return 0;
    }
    memcpy(body + response->body_length, data, length);
    response->body = body;
    response->body_length += length;
    response->body[response->body_length] = '\0';
    return length;
}

static void clear_headers(struct lk_test_response *response)
{
    for (size_t i = 0; i < response->header_count; i++) {
        free(response->headers[i].name);
        free(response->headers[i].value);
    }
    free(response->headers);
    response->headers = NULL;
    response->header_count = 0;
}

/* Returns a copy of the LENGTH bytes at TEXT without leading and trailing white space. */
static char *copy_trimmed(const char *text, size_t length)
{
    while (length > 0 && isspace((unsigned char)text[0])) {
        text++;
        length--;
    }
    while (length > 0 && isspace((unsigned char)text[length - 1])) {
        length--;
    }
    return strndup(text, length);
}

/* Stores one header line. A status line starts a new response, so the headers of an
 * interim 100 Continue response are dropped. */
static size_t on_header(char *data, size_t size, size_t count, void *userdata)
{
    struct lk_test_response *response = userdata;
    size_t length = size * count;
    const char *colon = memchr(data, ':', length);
    struct lk_test_header *headers;

    if (length >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        clear_headers(response);
        return length;
    }
    if (colon == NULL) {
        return length;
    }

    headers = realloc(response->headers, (response->header_count + 1) * sizeof(*headers));
    if (headers == NULL) {
        return 0;
    }
    response->headers = headers;
    headers[response->header_count].name = copy_trimmed(data, (size_t)(colon - data));
    headers[response->header_count].value = copy_trimmed(colon + 1, length - (size_t)(colon - data) - 1);
    response->header_count++;
    return length;
}

/* Builds the request header list: the caller's lines, the Content-Type, and empty
 * "Expect:" and "Content-Type:" lines that stop libcurl from adding its defaults. */
static struct curl_slist *build_header_list(const struct lk_test_request *request)
{
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    char content_type[256];

    if (request->content_type != NULL) {
        snprintf(content_type, sizeof(content_type), "Content-Type: %s", request->content_type);
        list = curl_slist_append(list, content_type);
    } else {
        list = curl_slist_append(list, "Content-Type:");
    }
    for (size_t i = 0; request->extra_headers != NULL && request->extra_headers[i] != NULL; i++) {
        list = curl_slist_append(list, request->extra_headers[i]);
    }
    return list;
}

static void set_method_and_body(CURL *curl, const struct lk_test_request *request)
{
    const char *method = request->method != NULL ? request->method : "GET";

    if (request->body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    }
}

void lk_test_send(const struct lk_test_request *request, struct lk_test_response *response)
{
    char url[2048];
    char error[CURL_ERROR_SIZE] = "";
    struct curl_slist *header_list = build_header_list(request);
    CURL *curl = curl_easy_init();
    CURLcode result;
    long http_version = 0;

    memset(response, 0, sizeof(*response));
    assert_non_null(curl);
    assert_non_null(header_list);
    snprintf(url, sizeof(url), "%s%s",
             request->base_url != NULL ? request->base_url : lk_test_env("LK_TEST_BASE_URL"),
             request->path);

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, lk_test_env("LK_TEST_CA_FILE"));
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, request->version == LK_TEST_HTTP_2
                                                     ? CURL_HTTP_VERSION_2TLS
                                                     : CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)REQUEST_TIMEOUT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
    set_method_and_body(curl, request);

    result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &http_version);
    response->http_major_version = http_version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    curl_easy_cleanup(curl);
    curl_slist_free_all(header_list);

    if (result != CURLE_OK) {
        fail_msg("%s %s failed: %s (%s)", request->method != NULL ? request->method : "GET", url,
                 curl_easy_strerror(result), error);
    }
    if (response->body == NULL) {
        response->body = calloc(1, 1);
        assert_non_null(response->body);
    }
}

void lk_test_get(const char *path, enum lk_test_http_version version,
                 struct lk_test_response *response)
{
    struct lk_test_request request = {.path = path, .version = version};

    lk_test_send(&request, response);
}

void lk_test_post_json(const char *path, const char *json_body, struct lk_test_response *response)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = "application/json",
        .body = json_body,
        .body_length = strlen(json_body),
    };

    lk_test_send(&request, response);
}

void lk_test_response_dispose(struct lk_test_response *response)
{
    clear_headers(response);
    free(response->body);
    memset(response, 0, sizeof(*response));
}

const char *lk_test_header(const struct lk_test_response *response, const char *name)
{
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcasecmp(response->headers[i].name, name) == 0) {
            return response->headers[i].value;
        }
    }
    return NULL;
}

json_t *lk_test_json_body(const struct lk_test_response *response)
{
    json_error_t error;
    json_t *document = json_loadb(response->body, response->body_length, JSON_REJECT_DUPLICATES, &error);

    if (document == NULL) {
        fail_msg("response body (status %ld) is not valid JSON: %s: %.200s", response->status,
                 error.text, response->body);
    }
    return document;
}

void lk_test_record_token(const char *token)
{
    char path[1024];
    FILE *file;

    snprintf(path, sizeof(path), "%s/issued-tokens.txt", lk_test_env("LK_TEST_RUN_DIR"));
    file = fopen(path, "a");
    assert_non_null(file);
    fprintf(file, "%s\n", token);
    assert_int_equal(fclose(file), 0);
}

/* Returns a copy of the string member NAME of OBJECT, failing the test if it is missing. */
static char *copy_string_member(json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    char *copy;

    if (value == NULL) {
        fail_msg("login response has no string member \"%s\"", name);
    }
    copy = strdup(value);
    assert_non_null(copy);
    return copy;
}

void lk_test_login(const char *email, const char *password, struct lk_test_tokens *tokens)
{
    lk_test_login_at(NULL, email, password, tokens);
}

void lk_test_login_at(const char *base_url, const char *email, const char *password,
                      struct lk_test_tokens *tokens)
{
    json_t *credentials = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(credentials, JSON_COMPACT);
    struct lk_test_response response;
    json_t *document;

    assert_non_null(body);
    struct lk_test_request request = {
        .method = "POST",
        .path = "/v1/login",
        .content_type = "application/json",
        .body = body,
        .body_length = strlen(body),
        .base_url = base_url,
    };
    lk_test_send(&request, &response);
    free(body);
    json_decref(credentials);

    if (response.status != 200) {
        fail_msg("login of %s returned %ld: %.300s", email, response.status, response.body);
    }
    document = lk_test_json_body(&response);
    tokens->access_token = copy_string_member(document, "access_token");
    tokens->refresh_token = copy_string_member(document, "refresh_token");
    lk_test_record_token(tokens->access_token);
    lk_test_record_token(tokens->refresh_token);

    json_decref(document);
    lk_test_response_dispose(&response);
}

void lk_test_tokens_dispose(struct lk_test_tokens *tokens)
{
    free(tokens->access_token);
    free(tokens->refresh_token);
    tokens->access_token = NULL;
    tokens->refresh_token = NULL;
}
