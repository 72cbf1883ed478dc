/* Every handler of the route table (api/routes.c), one file per resource. */
#ifndef OW_HANDLERS_H
#define OW_HANDLERS_H

#include "api/request.h"
#include "api/response.h"
#include "db/login_lock_store.h"

#include <stdbool.h>
#include <stdint.h>

/* handlers/health.c */
void handle_healthz(req *r, resp *w);
void handle_readyz(req *r, resp *w);
/* handlers/metrics.c */
void handle_metrics(req *r, resp *w);

/* handlers/services.c */
void handle_departments(req *r, resp *w);
void handle_topics(req *r, resp *w);
void handle_services_search(req *r, resp *w);
void handle_services_suggest(req *r, resp *w);
void handle_service_detail(req *r, resp *w);

/* handlers/test_probes.c (served only with test_routes = 1) */
void handle_test_echo(req *r, resp *w);
void handle_test_query(req *r, resp *w);
void handle_test_sleep(req *r, resp *w);
void handle_test_item(req *r, resp *w);
void handle_test_token(req *r, resp *w);
void handle_test_whoami(req *r, resp *w);

/* handlers/auth.c */
struct token_pair;
void respond_token_pair(req *r, resp *w, const struct token_pair *p, const char *who,
                        cJSON *principal);
void respond_session_error(req *r, resp *w, int session_status);
/* 429 rate_limited with Retry-After (at least 1 s) and a sentence for each language. */
void respond_rate_limited(req *r, resp *w, int64_t seconds, const char *zh, const char *en);
void respond_locked(req *r, resp *w, int64_t seconds);
/* Wrong passwords before an account is locked, and for how long (API.md §3). */
#define LOGIN_MAX_FAILURES 10
#define LOGIN_LOCK_S (15 * 60)
/* An access token signed with the worker's current key, freed with the request; NULL after
 * answering 503 (no signing key yet). */
struct token_request;
const char *sign_access_token(req *r, resp *w, const struct token_request *rq);
/* Checks a password under the lockout: reserves one of the window's tries, then clears the
 * counter or counts the failure. given NULL is a wrong password. PASSWORD_* or a db_status. */
enum { PASSWORD_WRONG = 0, PASSWORD_RIGHT = 1, PASSWORD_LOCKED = 2 };
int password_try(login_account who, int64_t id, const char *hash, const char *given);
/* Counts a login attempt of the client IP; answers 429 when over login_per_ip_per_minute. */
bool login_rate_limited(req *r, resp *w);
void handle_staff_login(req *r, resp *w);
void handle_refresh(req *r, resp *w);
void handle_logout(req *r, resp *w);

/* handlers/auth_citizen.c */
void handle_sms_send(req *r, resp *w);
void handle_citizen_login(req *r, resp *w);
void handle_wechat_login(req *r, resp *w);

/* handlers/me.c */
struct token_claims;
/* The /me body of a citizen (1), 0 when gone, or a db_status. */
int me_json(req *r, int64_t citizen_id, bool just_written, cJSON **out);
/* The numeric id of the token's principal (sub): a citizen, a staff member, an organization. */
int64_t principal_id(const req *r);
/* The access claims of a citizen's session (1 when the citizen exists). */
int citizen_claims(int64_t citizen_id, const char *client_id, struct token_claims *c);
void handle_me(req *r, resp *w);
void handle_me_password(req *r, resp *w);
void handle_me_real_name(req *r, resp *w);

/* handlers/applications.c */
void handle_application_submit(req *r, resp *w);
void handle_application_list(req *r, resp *w);
void handle_application_detail(req *r, resp *w);
void handle_application_withdraw(req *r, resp *w);
void handle_application_supplement(req *r, resp *w);
/* handlers/progress.c */
void handle_progress(req *r, resp *w);
/* handlers/staff_applications.c */
void handle_staff_queue(req *r, resp *w);
void handle_staff_application(req *r, resp *w);
void handle_staff_event(req *r, resp *w);

/* handlers/devices.c */
/* A path parameter that is one of our numeric ids; false for anything else (answer 404). */
bool read_path_id(const req *r, const char *name, int64_t *out);
void handle_device_register(req *r, resp *w);
void handle_device_delete(req *r, resp *w);
void handle_subscription_add(req *r, resp *w);
void handle_notification_settings_get(req *r, resp *w);
void handle_notification_settings_put(req *r, resp *w);
/* handlers/notifications.c */
void handle_notification_list(req *r, resp *w);
void handle_notification_unread_count(req *r, resp *w);
void handle_notification_read(req *r, resp *w);
void handle_notification_read_all(req *r, resp *w);

/* handlers/oauth.c */
void handle_oauth_token(req *r, resp *w);

/* handlers/jwks.c */
void handle_jwks(req *r, resp *w);

/* handlers/db_errors.c */
/* The answer of a change to one of the caller's records: rc 1 → 204, 0 (not theirs, or no
 * such record) → 404, < 0 → the database's failure. */
void respond_changed(req *r, resp *w, int rc);
/* The personal-data key ready (auth/pii.c), or an answer given (503/500) and false. */
bool personal_data_ready(req *r, resp *w);

#endif
