/* Every handler of the route table (handlers/routes.c), one file per resource. Nothing else
 * belongs here: what handlers share is in handlers/common.h (all of them),
 * handlers/identity.h (logins, sessions, /me) and handlers/application_views.h (the
 * application routes). */
#ifndef OW_HANDLERS_H
#define OW_HANDLERS_H

#include "api/request.h"
#include "api/response.h"

/* handlers/health.c */
void handle_healthz(req *r, resp *w);
void handle_readyz(req *r, resp *w);
/* handlers/metrics.c */
void handle_metrics(req *r, resp *w);
/* handlers/jwks.c */
void handle_jwks(req *r, resp *w);
/* handlers/client_config.c */
void handle_client_config(req *r, resp *w);

/* handlers/auth.c */
void handle_staff_login(req *r, resp *w);
void handle_refresh(req *r, resp *w);
void handle_logout(req *r, resp *w);
/* handlers/auth_citizen.c */
void handle_sms_send(req *r, resp *w);
void handle_citizen_login(req *r, resp *w);
void handle_wechat_login(req *r, resp *w);
/* handlers/oauth.c */
void handle_oauth_token(req *r, resp *w);
/* handlers/me.c */
void handle_me(req *r, resp *w);
void handle_me_password(req *r, resp *w);
void handle_me_real_name(req *r, resp *w);

/* handlers/services.c */
void handle_departments(req *r, resp *w);
void handle_topics(req *r, resp *w);
void handle_services_search(req *r, resp *w);
void handle_services_suggest(req *r, resp *w);
void handle_service_detail(req *r, resp *w);

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

/* handlers/delegations.c */
void handle_staff_delegations(req *r, resp *w);
void handle_staff_delegation_create(req *r, resp *w);
void handle_staff_delegation(req *r, resp *w);
void handle_staff_delegation_revoke(req *r, resp *w);
void handle_org_services(req *r, resp *w);
/* handlers/org_applications.c */
void handle_org_feed(req *r, resp *w);
void handle_org_application(req *r, resp *w);
void handle_org_event(req *r, resp *w);
void handle_org_message(req *r, resp *w);
/* handlers/org_webhooks.c */
void handle_org_webhook_deliveries(req *r, resp *w);
/* handlers/ratings.c (API.md §8) */
void handle_rating_tags(req *r, resp *w);
void handle_stats_departments(req *r, resp *w);
void handle_stats_department(req *r, resp *w);
void handle_stats_service(req *r, resp *w);
void handle_application_rating(req *r, resp *w);
/* handlers/rectifications.c (API.md §8) */
void handle_rectification_list(req *r, resp *w);
void handle_rectification_resolve(req *r, resp *w);
void handle_rectification_visit(req *r, resp *w);
void handle_rating_appeal(req *r, resp *w);
void handle_rating_appeal_list(req *r, resp *w);
void handle_rating_appeal_decision(req *r, resp *w);
/* handlers/feedback.c (API.md §8) */
void handle_feedback_create(req *r, resp *w);
void handle_feedback_list(req *r, resp *w);
void handle_feedback_get(req *r, resp *w);
void handle_feedback_satisfaction(req *r, resp *w);
void handle_staff_feedback_list(req *r, resp *w);
void handle_staff_feedback_get(req *r, resp *w);
void handle_staff_feedback_reply(req *r, resp *w);
void handle_staff_feedback_close(req *r, resp *w);

/* handlers/devices.c */
void handle_device_register(req *r, resp *w);
void handle_device_delete(req *r, resp *w);
void handle_subscription_add(req *r, resp *w);
/* handlers/notifications.c */
void handle_notification_list(req *r, resp *w);
void handle_notification_unread_count(req *r, resp *w);
void handle_notification_read(req *r, resp *w);
void handle_notification_read_all(req *r, resp *w);
void handle_notification_settings_get(req *r, resp *w);
void handle_notification_settings_put(req *r, resp *w);

/* handlers/staff_catalog.c */
void handle_staff_catalog_create(req *r, resp *w);
void handle_staff_catalog_get(req *r, resp *w);
void handle_staff_catalog_update(req *r, resp *w);
void handle_staff_catalog_retire(req *r, resp *w);
void handle_staff_synonym_add(req *r, resp *w);
void handle_staff_concept_add(req *r, resp *w);
void handle_staff_search_misses(req *r, resp *w);

/* handlers/uploads.c, handlers/enterprises.c, handlers/materials.c */
void handle_upload(req *r, resp *w);
void handle_enterprise_add(req *r, resp *w);
void handle_enterprise_list(req *r, resp *w);
void handle_enterprise_delete(req *r, resp *w);
void handle_material_download(req *r, resp *w);

/* handlers/life_events.c, handlers/bundles.c (高效办成一件事) */
void handle_life_event_list(req *r, resp *w);
void handle_life_event_detail(req *r, resp *w);
void handle_life_event_stats(req *r, resp *w);
void handle_bundle_submit(req *r, resp *w);
void handle_bundle_detail(req *r, resp *w);
void handle_bundle_withdraw(req *r, resp *w);
void handle_bundle_supplement(req *r, resp *w);
void handle_bundle_rating(req *r, resp *w); /* handlers/ratings.c */

/* handlers/questions.c: public questions (API.md §8) */
void handle_questions_list(req *r, resp *w);
void handle_question_get(req *r, resp *w);
void handle_staff_question_publish(req *r, resp *w);
void handle_staff_question_retire(req *r, resp *w);

/* handlers/test_probes.c (served only with test_routes = 1) */
void handle_test_echo(req *r, resp *w);
void handle_test_query(req *r, resp *w);
void handle_test_sleep(req *r, resp *w);
void handle_test_item(req *r, resp *w);
void handle_test_token(req *r, resp *w);
void handle_test_whoami(req *r, resp *w);

#endif
