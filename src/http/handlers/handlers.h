/* The endpoint handlers, one file each; the route table in router.c maps paths to them. */
#ifndef LK_HTTP_HANDLERS_HANDLERS_H
#define LK_HTTP_HANDLERS_HANDLERS_H

#include "http/request.h"

void lk_handle_login(lk_request_t *request);
void lk_handle_jwks(lk_request_t *request);
void lk_handle_openid_configuration(lk_request_t *request);
void lk_handle_token_verify(lk_request_t *request);
void lk_handle_healthz(lk_request_t *request);
void lk_handle_readyz(lk_request_t *request);
void lk_handle_me(lk_request_t *request);
void lk_handle_forward_auth(lk_request_t *request);
void lk_handle_org_member(lk_request_t *request);
void lk_handle_org_members(lk_request_t *request);
void lk_handle_token_refresh(lk_request_t *request);
void lk_handle_logout(lk_request_t *request);
void lk_handle_logout_all(lk_request_t *request);
void lk_handle_oauth_revoke(lk_request_t *request);
void lk_handle_password_reset(lk_request_t *request);
void lk_handle_password_reset_confirm(lk_request_t *request);
void lk_handle_password_change(lk_request_t *request);

#endif
