/* A request as nginx hands it over, for unit tests: FastCGI parameters ("NAME=value") in
 * an env array, and the request's arena. Shared by the tests of request, router, dispatch. */
#ifndef OW_TEST_FAKE_REQUEST_H
#define OW_TEST_FAKE_REQUEST_H

#include <string.h>

#include <sodium.h>

#include "api/request.h"

#define FAKE_MAX_ENV 16

typedef struct fake_request {
    req r;
    char *env[FAKE_MAX_ENV + 1]; /* NULL-terminated */
    size_t n_env;
} fake_request;

static inline void fake_request_init(fake_request *f)
{
    memset(f, 0, sizeof *f);
    arena_init(&f->r.arena, 4096);
    f->r.params_env = f->env;
}

static inline void fake_request_free(fake_request *f)
{
    arena_destroy(&f->r.arena);
}

/* Adds the FastCGI parameter "name=value". */
static inline void fake_env_set(fake_request *f, const char *name, const char *value)
{
    assert_true(f->n_env < FAKE_MAX_ENV);
    f->env[f->n_env++] = arena_printf(&f->r.arena, "%s=%s", name, value);
}

/* cmocka group setup: request ids come from libsodium. */
static inline int fake_request_group_setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

#endif
