#include "api/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/percent.h"

/* True when path fits pattern; path parameters are then stored on r. */
static bool match_pattern(req *r, const char *pattern, const char *path)
{
    size_t n_params = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++, s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (*p == '{') {
            if (slen == 0 || n_params == MAX_PATH_PARAMS)
                return false;
            /* A malformed, NUL or non-UTF-8 value matches no route: 404. */
            const char *value = percent_decode(&r->arena, s, slen, false);
            if (!value)
                return false;
            r->path_params[n_params].name = arena_strndup(&r->arena, p + 1, plen - 2);
            r->path_params[n_params].value = value;
            n_params++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen, s += slen;
    }
    if (*p || *s)
        return false;
    r->n_path_params = n_params;
    return true;
}

static bool method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void allow_add(char *allow, size_t len, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t used = strlen(allow);
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
    if (strcmp(method, "GET") == 0)
        allow_add(allow, len, "HEAD");
}

route_result router_match(req *r, const route *table, size_t n, char *allow, size_t allow_len)
{
    bool path_known = false;
    allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!match_pattern(r, table[i].pattern, r->path))
            continue;
        if (method_matches(table[i].method, r->method)) {
            r->route = &table[i];
            return ROUTE_FOUND;
        }
        path_known = true;
        allow_add(allow, allow_len, table[i].method);
    }
    r->n_path_params = 0;
    return path_known ? ROUTE_WRONG_METHOD : ROUTE_NOT_FOUND;
}
