/* GET /api/v1/client-config (API.md §2): what a mini-program or app must know before it
 * talks to the API, from the settings, so that clients never hard-code them: the WeChat
 * subscribe-message templates to ask grants for, token lifetimes, body and upload limits.
 * Public and the same for everyone: cacheable by clients and proxies. */
#include "core/config.h"
#include "core/media_types.h"
#include "handlers/handlers.h"

#define CLIENT_CONFIG_MAX_AGE "public, max-age=300"

void handle_client_config(req *r, resp *w)
{
    const ow_config *cfg = config_current();
    cJSON *o = resp_new_object(r);
    if (!o) {
        resp_internal(r, w, "client config", "out of memory");
        return;
    }
    cJSON *wechat = cJSON_AddObjectToObject(o, "wechat");
    cJSON *templates = cJSON_AddArrayToObject(wechat, "subscribe_template_ids");
    if (cfg->wechat_status_template[0])
        cJSON_AddItemToArray(templates, cJSON_CreateString(cfg->wechat_status_template));
    cJSON *tokens = cJSON_AddObjectToObject(o, "tokens");
    cJSON_AddNumberToObject(tokens, "access_ttl_s", cfg->access_ttl_s);
    cJSON_AddNumberToObject(tokens, "refresh_ttl_s", cfg->refresh_ttl_s);
    cJSON_AddNumberToObject(tokens, "refresh_grace_s", cfg->refresh_grace_s);
    cJSON *requests = cJSON_AddObjectToObject(o, "requests");
    cJSON_AddNumberToObject(requests, "max_body_bytes", cfg->max_body_bytes);
    cJSON *uploads = cJSON_AddObjectToObject(o, "uploads");
    cJSON_AddNumberToObject(uploads, "max_bytes", cfg->upload_max_bytes);
    cJSON *types = cJSON_AddArrayToObject(uploads, "media_types");
    for (const char *const *t = media_types; *t; t++) /* what POST /uploads accepts */
        cJSON_AddItemToArray(types, cJSON_CreateString(*t));
    resp_header(w, "Cache-Control", CLIENT_CONFIG_MAX_AGE);
    resp_json(r, w, 200, o);
}
