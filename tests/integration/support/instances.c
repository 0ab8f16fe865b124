/* Requests to the suite's instances and log searches; see instances.h. */
#include "support/instances.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

enum { PARALLEL_TIMEOUT_SECONDS = 120, LOG_POLL_MS = 50 };

struct lk_test_target lk_test_target_from_env(const char *base_url_variable)
{
    struct lk_test_target target = {.base_url = lk_test_env(base_url_variable), .source_address = NULL};
    return target;
}

/* Sends through lk_test_send, which reads its base URL from LK_TEST_BASE_URL, with that
 * variable pointed at the target for the duration of the call. A source address needs a
 * libcurl option that lk_test_send does not set, so such requests go through send_from. */
static void send_via_default_client(const struct lk_test_target *target, const struct lk_test_request *request,
                                    struct lk_test_response *response)
{
    char *saved = strdup(lk_test_env("LK_TEST_BASE_URL"));

    assert_non_null(saved);
    assert_int_equal(setenv("LK_TEST_BASE_URL", target->base_url, 1), 0);
    lk_test_send(request, response);
    assert_int_equal(setenv("LK_TEST_BASE_URL", saved, 1), 0);
    free(saved);
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
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

/* Keeps "Name: value" header lines of the final response. */
static size_t collect_header(char *data, size_t size, size_t count, void *userdata)
{
    struct lk_test_response *response = userdata;
    size_t length = size * count;
    const char *colon = memchr(data, ':', length);
    struct lk_test_header *headers;
    size_t end = length;

    if (colon == NULL) {
        return length;
    }
    while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ')) {
        end--;
    }
    headers = realloc(response->headers, (response->header_count + 1) * sizeof(*headers));
    if (headers == NULL) {
        return 0;
    }
    response->headers = headers;
    headers[response->header_count].name = strndup(data, (size_t)(colon - data));
    const char *value = colon + 1;
    while (value < data + end && *value == ' ') {
        value++;
    }
    headers[response->header_count].value = strndup(value, (size_t)(data + end - value));
    response->header_count++;
    return length;
}

static struct curl_slist *header_list(const struct lk_test_request *request)
{
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    char content_type[256];

    snprintf(content_type, sizeof(content_type), "Content-Type: %s",
             request->content_type != NULL ? request->content_type : "");
    list = curl_slist_append(list, content_type);
    for (size_t i = 0; request->extra_headers != NULL && request->extra_headers[i] != NULL; i++) {
        list = curl_slist_append(list, request->extra_headers[i]);
    }
    return list;
}

/* Builds an easy handle for REQUEST to TARGET that writes into RESPONSE. */
static CURL *prepare(const struct lk_test_target *target, const struct lk_test_request *request,
                     struct curl_slist *headers, struct lk_test_response *response, char *url, size_t url_size)
{
    CURL *curl = curl_easy_init();

    assert_non_null(curl);
    snprintf(url, url_size, "%s%s", target->base_url, request->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, lk_test_env("LK_TEST_CA_FILE"));
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(curl, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)PARALLEL_TIMEOUT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
    if (target->source_address != NULL) {
        curl_easy_setopt(curl, CURLOPT_INTERFACE, target->source_address);
    }
    if (request->body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
    }
    if (request->method != NULL && strcmp(request->method, "POST") != 0 && strcmp(request->method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
    }
    return curl;
}

/* Sends one request from the target's source address. */
static void send_from(const struct lk_test_target *target, const struct lk_test_request *request,
                      struct lk_test_response *response)
{
    char url[2048];
    struct curl_slist *headers = header_list(request);
    memset(response, 0, sizeof(*response));
    CURL *curl = prepare(target, request, headers, response, url, sizeof(url));

    CURLcode result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (result != CURLE_OK) {
        fail_msg("%s from %s failed: %s", url, target->source_address, curl_easy_strerror(result));
    }
    if (response->body == NULL) {
        response->body = calloc(1, 1);
    }
}

void lk_test_send_to(const struct lk_test_target *target, const struct lk_test_request *request,
                     struct lk_test_response *response)
{
    if (target->source_address == NULL) {
        send_via_default_client(target, request, response);
    } else {
        send_from(target, request, response);
    }
}

void lk_test_post_json_to(const struct lk_test_target *target, const char *path, const char *json_body,
                          const char *const *headers, struct lk_test_response *response)
{
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = "application/json",
        .body = json_body,
        .body_length = strlen(json_body),
        .extra_headers = headers,
    };
    lk_test_send_to(target, &request, response);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Runs the multi handle until every transfer has finished or the time is up. */
static void run_transfers(CURLM *multi)
{
    struct timespec start;
    int running = 1;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (running > 0) {
        assert_int_equal(curl_multi_perform(multi, &running), CURLM_OK);
        if (running > 0) {
            assert_int_equal(curl_multi_poll(multi, NULL, 0, 100, NULL), CURLM_OK);
        }
        if (seconds_since(&start) > PARALLEL_TIMEOUT_SECONDS) {
            fail_msg("parallel requests did not finish within %d s", PARALLEL_TIMEOUT_SECONDS);
        }
    }
}

void lk_test_send_parallel(const struct lk_test_target *targets, size_t target_count,
                           const struct lk_test_request *requests, size_t count, long *statuses)
{
    CURLM *multi = curl_multi_init();
    CURL **handles = calloc(count, sizeof(*handles));
    struct curl_slist **headers = calloc(count, sizeof(*headers));
    struct lk_test_response *responses = calloc(count, sizeof(*responses));
    char url[2048];

    assert_non_null(multi);
    assert_true(handles != NULL && headers != NULL && responses != NULL);
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    for (size_t i = 0; i < count; i++) {
        headers[i] = header_list(&requests[i]);
        handles[i] = prepare(&targets[i % target_count], &requests[i], headers[i], &responses[i], url, sizeof(url));
        assert_int_equal(curl_multi_add_handle(multi, handles[i]), CURLM_OK);
    }
    run_transfers(multi);

    for (size_t i = 0; i < count; i++) {
        statuses[i] = 0;
        curl_easy_getinfo(handles[i], CURLINFO_RESPONSE_CODE, &statuses[i]);
        curl_multi_remove_handle(multi, handles[i]);
        curl_easy_cleanup(handles[i]);
        curl_slist_free_all(headers[i]);
        lk_test_response_dispose(&responses[i]);
    }
    curl_multi_cleanup(multi);
    free(handles);
    free(headers);
    free(responses);
}

size_t lk_test_count_status(const long *statuses, size_t count, long status)
{
    size_t matches = 0;
    for (size_t i = 0; i < count; i++) {
        matches += statuses[i] == status;
    }
    return matches;
}

/* Returns the client_ip of the request line with REQUEST_ID in the log, or NULL. */
static char *find_client_ip(const char *log_path, const char *request_id)
{
    FILE *log = fopen(log_path, "r");
    char line[8192];
    char *client_ip = NULL;

    assert_non_null(log);
    while (client_ip == NULL && fgets(line, sizeof(line), log) != NULL) {
        if (strstr(line, request_id) == NULL || strstr(line, "\"msg\":\"request\"") == NULL) {
            continue;
        }
        json_t *entry = json_loads(line, 0, NULL);
        const char *value = json_string_value(json_object_get(entry, "client_ip"));
        if (value != NULL && strcmp(json_string_value(json_object_get(entry, "request_id")), request_id) == 0) {
            client_ip = strdup(value);
        }
        json_decref(entry);
    }
    fclose(log);
    return client_ip;
}

char *lk_test_logged_client_ip(const char *log_path, const char *request_id, int timeout_ms)
{
    for (int waited = 0;; waited += LOG_POLL_MS) {
        char *client_ip = find_client_ip(log_path, request_id);
        if (client_ip != NULL) {
            return client_ip;
        }
        if (waited >= timeout_ms) {
            fail_msg("no request line with request_id %s in %s", request_id, log_path);
        }
        usleep(LOG_POLL_MS * 1000);
    }
}

static bool file_contains(const char *path, const char *text)
{
    FILE *file = fopen(path, "r");
    char line[8192];
    bool found = false;

    assert_non_null(file);
    while (!found && fgets(line, sizeof(line), file) != NULL) {
        found = strstr(line, text) != NULL;
    }
    fclose(file);
    return found;
}

bool lk_test_log_contains(const char *log_path, const char *text, int timeout_ms)
{
    for (int waited = 0;; waited += LOG_POLL_MS) {
        if (file_contains(log_path, text)) {
            return true;
        }
        if (waited >= timeout_ms) {
            return false;
        }
        usleep(LOG_POLL_MS * 1000);
    }
}

long lk_test_rate_limit_parameter(const char *header, const char *policy, const char *name)
{
    char quoted[128];
    char parameter[16];

    if (header == NULL) {
        return -1;
    }
    snprintf(quoted, sizeof(quoted), "\"%s\"", policy);
    const char *item = strstr(header, quoted);
    if (item == NULL) {
        return -1;
    }
    const char *end = strchr(item, ',');
    snprintf(parameter, sizeof(parameter), ";%s=", name);
    const char *found = strstr(item, parameter);
    if (found == NULL || (end != NULL && found > end)) {
        return -1;
    }
    return strtol(found + strlen(parameter), NULL, 10);
}
