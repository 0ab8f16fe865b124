/* Request body validation; see request_body.h. */
#include "http/request_body.h"

#include "http/respond.h"

json_t *lk_parse_body_or_respond(lk_request_t *request, const lk_field_rule_t *fields,
                                 size_t field_count, bool accept_form)
{
    lk_request_schema_t schema = {
        .fields = fields,
        .field_count = field_count,
        .max_body_bytes = request->app->config->max_body_bytes,
        .accepted_bodies = LK_BODY_JSON | (accept_form ? LK_BODY_FORM : 0u),
    };
    h2o_iovec_t content_type = lk_request_header(request, "content-type");
    h2o_iovec_t body = request->req->entity;

    json_t *object = NULL;
    lk_validation_result_t result;
    if (lk_request_validate(&schema, content_type.base, content_type.len,
                            body.base != NULL ? body.base : "", body.len, &object,
                            &result) != 0) {
        lk_respond_invalid_request(request, &result);
        return NULL;
    }
    return object;
}
