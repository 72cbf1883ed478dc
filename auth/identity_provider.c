#include "auth/identity_provider.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/config.h"
#include "core/http_client.h"
#include "core/log.h"

/* The `http` protocol (docs/identity-provider.md): POST {"name","id_number"} with the bearer
 * token; 200 {"result": "match" | "mismatch" | "not_found"}. Anything else is no answer. */
static identity_verdict ask_http(const ow_config *cfg, const char *name, const char *id_number,
                                 const char *request_id)
{
    if (!cfg->identity_url[0]) {
        log_msg(LOG_WARN, "identity provider: identity_url is not set; nobody is verified");
        return IDENTITY_UNAVAILABLE;
    }
    cJSON *q = cJSON_CreateObject();
    cJSON_AddStringToObject(q, "name", name);
    cJSON_AddStringToObject(q, "id_number", id_number);
    char *body = cJSON_PrintUnformatted(q);
    cJSON_Delete(q);
    char auth[300], rid[96];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", cfg->identity_token);
    snprintf(rid, sizeof rid, "X-Request-Id: %s", request_id ? request_id : "");
    const char *headers[] = {auth, rid, NULL};
    static _Thread_local http_reply reply;
    http_call call = {cfg->identity_url, body, "application/json",
                      cfg->identity_token[0] ? headers : headers + 1};
    int rc = body ? http_client_call(&call, &reply) : -1;
    cJSON_free(body);
    if (rc != 0 || reply.status != 200) {
        log_msg(LOG_WARN, "identity provider: %s, HTTP %ld", rc ? reply.error : "answer",
                reply.status);
        return IDENTITY_UNAVAILABLE;
    }
    cJSON *a = cJSON_ParseWithLength(reply.body, reply.len + 1);
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(a, "result");
    identity_verdict v = IDENTITY_UNAVAILABLE;
    if (cJSON_IsString(result) && strcmp(result->valuestring, "match") == 0)
        v = IDENTITY_MATCH;
    else if (cJSON_IsString(result) && (strcmp(result->valuestring, "mismatch") == 0 ||
                                        strcmp(result->valuestring, "not_found") == 0)) {
        log_msg(LOG_INFO, "identity provider: %s", result->valuestring); /* no personal data */
        v = IDENTITY_NO_MATCH;
    } else
        log_msg(LOG_WARN, "identity provider: an answer without a known result");
    cJSON_Delete(a);
    return v;
}

identity_verdict identity_provider_verify(const char *name, const char *id_number,
                                          const char *request_id, int *level)
{
    const ow_config *cfg = config_current();
    *level = ASSURANCE_PHONE;
    if (strcmp(cfg->identity_provider, "dev") == 0) { /* the form was checked by the caller */
        *level = ASSURANCE_FORMAT_CHECKED;
        return IDENTITY_MATCH;
    }
    identity_verdict v = ask_http(cfg, name, id_number, request_id);
    if (v == IDENTITY_MATCH)
        *level = ASSURANCE_VERIFIED;
    return v;
}
