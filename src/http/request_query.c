/* Query-string validation for handlers; see request_query.h. */
#include "http/request_query.h"

#include "http/respond.h"
#include "validate/query_string.h"

json_t *lk_parse_query_or_respond(lk_request_t *request, const lk_field_rule_t *fields,
                                  size_t field_count)
{
    h2o_req_t *req = request->req;
    const char *query = "";
    size_t length = 0;
    if (req->query_at != SIZE_MAX) {
        query = req->path.base + req->query_at + 1;
        length = req->path.len - req->query_at - 1;
    }

    json_t *object = NULL;
    lk_validation_result_t result;
    if (lk_query_validate(fields, field_count, query, length, &object, &result) != 0) {
        lk_respond_invalid_request(request, &result);
        return NULL;
    }
    return object;
}
