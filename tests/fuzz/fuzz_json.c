/* libFuzzer: the JSON guard (core/json_guard.c), then cJSON and the typed accessors over
 * what the guard lets through — the path of every request body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api/request.h"
#include "core/json_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (json_guard_check((const char *)data, size, MAX_JSON_DEPTH) != JSON_GUARD_OK)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *json = cJSON_ParseWithLengthOpts(text, size + 1, NULL, 1);
    if (json) {
        req r;
        memset(&r, 0, sizeof r);
        arena_init(&r.arena, 4096);
        r.json = json;
        const char *s;
        long n;
        bool b;
        req_json_string(&r, json, "/name", 1, 64, true, &s);
        req_json_string(&r, json, "/materials/0/name", 1, 100, false, &s);
        req_json_int(&r, json, "/count", 1, 10, false, &n);
        req_json_bool(&r, json, "/push", false, &b);
        req_body_object(&r);
        arena_destroy(&r.arena);
        cJSON_Delete(json);
    }
    free(text);
    return 0;
}
