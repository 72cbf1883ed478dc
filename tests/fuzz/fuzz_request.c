/* libFuzzer: the request head parser, the router and the request's accessors (api/).
 * Input: lines "METHOD", "REQUEST_URI", "Accept-Language", "X-Request-Id", "REMOTE_ADDR",
 * then the body the form accessor reads (POST /oauth/token's). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/request.h"
#include "api/router.h"
#include "handlers/routes.h"

static const char *const names[] = {"REQUEST_METHOD=", "REQUEST_URI=", "HTTP_ACCEPT_LANGUAGE=",
                                    "HTTP_X_REQUEST_ID=", "REMOTE_ADDR="};
#define N_PARAMS (sizeof names / sizeof names[0])
static const char *const statuses[] = {"submitted", "accepted", NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return sodium_init() < 0 ? -1 : 0;
}

static void use_accessors(req *r)
{
    long n;
    bool b;
    const char *s;
    int count;
    req_query_int(r, "limit", 20, 1, 100, &n);
    req_query_string(r, "q", 64, &s);
    req_query_enum(r, "status", statuses, &s);
    req_query_bool(r, "unread", false, &b);
    req_form_param(r, "grant_type", &count);
    req_form_param(r, "scope", &count);
    req_path_param(r, "no");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    req r;
    memset(&r, 0, sizeof r);
    arena_init(&r.arena, 4096);
    char *env[N_PARAMS + 1] = {0};
    char *p = text;
    size_t n = 0;
    for (; n < N_PARAMS && p; n++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        env[n] = arena_printf(&r.arena, "%s%s", names[n], p);
        p = nl ? nl + 1 : NULL;
    }
    r.params_env = env;
    r.body = p;
    r.body_len = p ? strlen(p) : 0;
    if (req_parse_head(&r) == 0) {
        char allow[128];
        router_match(&r, routes, routes_count, allow, sizeof allow);
        router_match(&r, test_routes, test_routes_count, allow, sizeof allow);
        use_accessors(&r);
    }
    arena_destroy(&r.arena);
    free(text);
    return 0;
}
