/* The route table: every path the API serves, with its auth policy and body limit.
 * api/openapi.yaml describes exactly these (tests/e2e/test_openapi.py checks it). */
#include "handlers/routes.h"

#include "api/dispatch.h"
#include "handlers/handlers.h"

/* A line may leave out the options (ROUTE_…): none. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

const route routes[] = {
    /* method, pattern,  handler,        auth,        scope, max_body */
    {"GET", "/healthz", handle_healthz, AUTH_PUBLIC, NULL, 0},
    {"GET", "/readyz", handle_readyz, AUTH_PUBLIC, NULL, 0},
    {"GET", "/metrics", handle_metrics, AUTH_PUBLIC, NULL, 0},
    {"GET", "/.well-known/jwks.json", handle_jwks, AUTH_PUBLIC, NULL, 0},
    {"POST", "/api/v1/auth/sms/send", handle_sms_send, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/auth/login", handle_citizen_login, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/auth/wechat", handle_wechat_login, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/auth/staff/login", handle_staff_login, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/auth/refresh", handle_refresh, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/auth/logout", handle_logout, AUTH_USER, NULL, BODY_DEFAULT,
     ROUTE_NEVER_REPLAYED},
    {"POST", "/api/v1/oauth/token", handle_oauth_token, AUTH_PUBLIC, NULL, BODY_FORM},
    {"GET", "/api/v1/me", handle_me, AUTH_CITIZEN, NULL, 0},
    {"PUT", "/api/v1/me/password", handle_me_password, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"POST", "/api/v1/me/real-name", handle_me_real_name, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/departments", handle_departments, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/topics", handle_topics, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/services", handle_services_search, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/services/suggest", handle_services_suggest, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/services/{code}", handle_service_detail, AUTH_PUBLIC, NULL, 0},
    {"POST", "/api/v1/applications", handle_application_submit, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/applications", handle_application_list, AUTH_CITIZEN, NULL, 0},
    {"GET", "/api/v1/applications/{no}", handle_application_detail, AUTH_CITIZEN, NULL, 0},
    {"POST", "/api/v1/applications/{no}/withdraw", handle_application_withdraw, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
    {"POST", "/api/v1/applications/{no}/supplement", handle_application_supplement, AUTH_CITIZEN,
     NULL, BODY_DEFAULT},
    {"POST", "/api/v1/devices", handle_device_register, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"DELETE", "/api/v1/devices/{id}", handle_device_delete, AUTH_CITIZEN, NULL, 0},
    {"POST", "/api/v1/subscriptions", handle_subscription_add, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/notifications", handle_notification_list, AUTH_CITIZEN, NULL, 0},
    {"GET", "/api/v1/notifications/unread-count", handle_notification_unread_count, AUTH_CITIZEN,
     NULL, 0},
    {"POST", "/api/v1/notifications/{id}/read", handle_notification_read, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
    {"POST", "/api/v1/notifications/read-all", handle_notification_read_all, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
    {"GET", "/api/v1/me/notification-settings", handle_notification_settings_get, AUTH_CITIZEN,
     NULL, 0},
    {"PUT", "/api/v1/me/notification-settings", handle_notification_settings_put, AUTH_CITIZEN,
     NULL, BODY_DEFAULT},
    {"POST", "/api/v1/progress", handle_progress, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/staff/applications", handle_staff_queue, AUTH_STAFF, NULL, 0},
    {"GET", "/api/v1/staff/applications/{no}", handle_staff_application, AUTH_STAFF, NULL, 0},
    {"POST", "/api/v1/staff/applications/{no}/events", handle_staff_event, AUTH_STAFF, NULL,
     BODY_DEFAULT},
    /* the staff catalog and the search miss log (issue 14) */
    {"POST", "/api/v1/staff/catalog/items", handle_staff_catalog_create, AUTH_CATALOG, NULL,
     BODY_DEFAULT},
    {"GET", "/api/v1/staff/catalog/items/{code}", handle_staff_catalog_get, AUTH_CATALOG, NULL, 0},
    {"PUT", "/api/v1/staff/catalog/items/{code}", handle_staff_catalog_update, AUTH_CATALOG, NULL,
     BODY_DEFAULT},
    {"DELETE", "/api/v1/staff/catalog/items/{code}", handle_staff_catalog_retire, AUTH_CATALOG,
     NULL, 0},
    {"POST", "/api/v1/staff/catalog/synonyms", handle_staff_synonym_add, AUTH_OPERATOR, NULL,
     BODY_DEFAULT},
    {"POST", "/api/v1/staff/catalog/concepts", handle_staff_concept_add, AUTH_OPERATOR, NULL,
     BODY_DEFAULT},
    {"GET", "/api/v1/staff/search-misses", handle_staff_search_misses, AUTH_OPERATOR, NULL, 0},
    /* delegations and the organizations' API (API.md §7) */
    {"GET", "/api/v1/staff/delegations", handle_staff_delegations, AUTH_STAFF, NULL, 0},
    {"POST", "/api/v1/staff/delegations", handle_staff_delegation_create, AUTH_STAFF, NULL,
     BODY_DEFAULT},
    {"GET", "/api/v1/staff/delegations/{id}", handle_staff_delegation, AUTH_STAFF, NULL, 0},
    {"DELETE", "/api/v1/staff/delegations/{id}", handle_staff_delegation_revoke, AUTH_STAFF, NULL,
     0},
    {"GET", "/api/v1/org/services", handle_org_services, AUTH_ORG, "services:read", 0},
    {"GET", "/api/v1/org/applications", handle_org_feed, AUTH_ORG, "applications:read", 0},
    {"GET", "/api/v1/org/applications/{no}", handle_org_application, AUTH_ORG, "applications:read",
     0},
    {"POST", "/api/v1/org/applications/{no}/events", handle_org_event, AUTH_ORG,
     "applications:write", BODY_DEFAULT},
    {"POST", "/api/v1/org/applications/{no}/messages", handle_org_message, AUTH_ORG,
     "notifications:write", BODY_DEFAULT},
    {"GET", "/api/v1/org/webhook-deliveries", handle_org_webhook_deliveries, AUTH_ORG,
     "applications:read", 0},
    /* what a client must know (README "Client configuration") */
    {"GET", "/api/v1/client-config", handle_client_config, AUTH_PUBLIC, NULL, 0},
    /* uploads, materials and acting for a company (API.md §3, §5) */
    {"POST", "/api/v1/uploads", handle_upload, AUTH_CITIZEN, NULL, BODY_FILE},
    {"GET", "/api/v1/applications/{no}/materials/{code}", handle_material_download, AUTH_ANY,
     "applications:read", 0},
    {"POST", "/api/v1/me/enterprises", handle_enterprise_add, AUTH_CITIZEN, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/me/enterprises", handle_enterprise_list, AUTH_CITIZEN, NULL, 0},
    {"DELETE", "/api/v1/me/enterprises/{id}", handle_enterprise_delete, AUTH_CITIZEN, NULL, 0},
    /* life events: one submission, many departments (API.md §4, §5 "Bundles") */
    {"GET", "/api/v1/life-events", handle_life_event_list, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/life-events/{code}", handle_life_event_detail, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/stats/life-events", handle_life_event_stats, AUTH_PUBLIC, NULL, 0},
    {"POST", "/api/v1/life-events/{code}/applications", handle_bundle_submit, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
    {"GET", "/api/v1/bundles/{no}", handle_bundle_detail, AUTH_CITIZEN, NULL, 0},
    {"POST", "/api/v1/bundles/{no}/withdraw", handle_bundle_withdraw, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
    {"POST", "/api/v1/bundles/{no}/supplement", handle_bundle_supplement, AUTH_CITIZEN, NULL,
     BODY_DEFAULT},
};

const size_t routes_count = sizeof routes / sizeof routes[0];

/* Probes for the test suite, served only with test_routes = 1: they exercise the request
 * path's generic checks (body limits, JSON rules, typed accessors, slow requests) through
 * nginx before real endpoints with bodies exist. Documented in openapi.yaml as test-only. */
const route test_routes[] = {
    {"POST", "/api/v1/test/echo", handle_test_echo, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/test/query", handle_test_query, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/test/sleep", handle_test_sleep, AUTH_PUBLIC, NULL, 0},
    {"GET", "/api/v1/test/items/{id}", handle_test_item, AUTH_PUBLIC, NULL, 0},
    {"POST", "/api/v1/test/token", handle_test_token, AUTH_PUBLIC, NULL, BODY_DEFAULT},
    {"GET", "/api/v1/test/citizen", handle_test_whoami, AUTH_CITIZEN, NULL, 0},
    {"GET", "/api/v1/test/staff", handle_test_whoami, AUTH_STAFF, NULL, 0},
    {"GET", "/api/v1/test/org", handle_test_whoami, AUTH_ORG, "test:read", 0},
};

const size_t test_routes_count = sizeof test_routes / sizeof test_routes[0];
