/* Unit tests of router_match against a small local route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "api/router.h"
#include "fake_request.h"

static void handler_a(req *r, resp *w)
{
    (void)r, (void)w;
}

static const route table[] = {
    {"GET", "/healthz", handler_a, AUTH_PUBLIC, NULL, 0, 0},
    {"GET", "/api/v1/services/{code}", handler_a, AUTH_PUBLIC, NULL, 0, 0},
    {"POST", "/api/v1/applications/{no}/withdraw", handler_a, AUTH_PUBLIC, NULL, 100, 0},
    {"GET", "/api/v1/applications/{no}", handler_a, AUTH_PUBLIC, NULL, 0, 0},
    {"POST", "/api/v1/applications", handler_a, AUTH_PUBLIC, NULL, 100, 0},
    {"GET", "/api/v1/pairs/{a}/{b}", handler_a, AUTH_PUBLIC, NULL, 0, 0},
};
#define N_ROUTES (sizeof table / sizeof table[0])

typedef struct fixture {
    fake_request fake;
    char allow[128];
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    fake_request_init(&f.fake);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_request_free(&f->fake);
    return 0;
}

static route_result match(fixture *f, const char *method, const char *path)
{
    f->fake.r.method = method;
    f->fake.r.path = path;
    f->fake.r.route = NULL;
    strcpy(f->allow, "garbage");
    return router_match(&f->fake.r, table, N_ROUTES, f->allow, sizeof f->allow);
}

static void assert_found(fixture *f, const char *method, const char *path, size_t index)
{
    assert_int_equal(match(f, method, path), ROUTE_FOUND);
    assert_ptr_equal(f->fake.r.route, &table[index]);
}

static void assert_not_found(fixture *f, const char *method, const char *path)
{
    if (match(f, method, path) != ROUTE_NOT_FOUND)
        fail_msg("%s %s: expected not found", method, path);
    assert_null(f->fake.r.route);
    assert_int_equal(f->fake.r.n_path_params, 0);
}

static void test_exact_match(void **state)
{
    fixture *f = *state;
    assert_found(f, "GET", "/healthz", 0);
    assert_int_equal(f->fake.r.n_path_params, 0);
    assert_found(f, "POST", "/api/v1/applications", 4);
}

static void test_parameter_extraction(void **state)
{
    fixture *f = *state;
    assert_found(f, "GET", "/api/v1/services/S-001", 1);
    assert_int_equal(f->fake.r.n_path_params, 1);
    assert_string_equal(f->fake.r.path_params[0].name, "code");
    assert_string_equal(req_path_param(&f->fake.r, "code"), "S-001");
    assert_null(req_path_param(&f->fake.r, "no"));

    assert_found(f, "POST", "/api/v1/applications/A42/withdraw", 2);
    assert_string_equal(req_path_param(&f->fake.r, "no"), "A42");

    assert_found(f, "GET", "/api/v1/pairs/x/y", 5);
    assert_int_equal(f->fake.r.n_path_params, 2);
    assert_string_equal(req_path_param(&f->fake.r, "a"), "x");
    assert_string_equal(req_path_param(&f->fake.r, "b"), "y");
}

static void test_parameter_percent_decoded(void **state)
{
    fixture *f = *state;
    assert_found(f, "GET", "/api/v1/services/%E4%B8%AD", 1);
    assert_string_equal(req_path_param(&f->fake.r, "code"), "中");
    /* '+' stays a plus in a path; %2F is a slash in the value, not a separator. */
    assert_found(f, "GET", "/api/v1/services/a+b%2Fc", 1);
    assert_string_equal(req_path_param(&f->fake.r, "code"), "a+b/c");
}

static void test_shape_mismatches(void **state)
{
    fixture *f = *state;
    assert_not_found(f, "GET", "/healthz/");
    assert_not_found(f, "GET", "/healthz/x");
    assert_not_found(f, "GET", "/health");
    assert_not_found(f, "GET", "/api/v1/services/"); /* empty segment for {code} */
    assert_not_found(f, "GET", "/api/v1/services");
    assert_not_found(f, "GET", "/api/v1/services//x");
    assert_not_found(f, "GET", "/api/v1/services/a/b"); /* extra segment */
    assert_not_found(f, "GET", "/api/v1/pairs/x/");
    assert_not_found(f, "GET", "/");
    assert_not_found(f, "GET", "");
}

static void test_head_matches_get(void **state)
{
    fixture *f = *state;
    assert_found(f, "HEAD", "/healthz", 0);
    assert_found(f, "HEAD", "/api/v1/services/S1", 1);
    assert_string_equal(req_path_param(&f->fake.r, "code"), "S1");
}

static void test_wrong_method(void **state)
{
    fixture *f = *state;
    assert_int_equal(match(f, "DELETE", "/healthz"), ROUTE_WRONG_METHOD);
    assert_string_equal(f->allow, "GET, HEAD");
    assert_null(f->fake.r.route);

    assert_int_equal(match(f, "GET", "/api/v1/applications"), ROUTE_WRONG_METHOD);
    assert_string_equal(f->allow, "POST");

    assert_int_equal(match(f, "HEAD", "/api/v1/applications/A1/withdraw"), ROUTE_WRONG_METHOD);
    assert_string_equal(f->allow, "POST");
    assert_int_equal(f->fake.r.n_path_params, 0);

    assert_int_equal(match(f, "POST", "/api/v1/services/x"), ROUTE_WRONG_METHOD);
    assert_string_equal(f->allow, "GET, HEAD");
}

static void test_unknown_path(void **state)
{
    fixture *f = *state;
    assert_not_found(f, "GET", "/api/v2/services/x");
    assert_string_equal(f->allow, "");
    assert_not_found(f, "DELETE", "/nowhere");
}

static void test_bad_parameter_encoding(void **state)
{
    fixture *f = *state;
    assert_not_found(f, "GET", "/api/v1/services/a%00b");
    assert_not_found(f, "GET", "/api/v1/services/a%2");
    assert_not_found(f, "GET", "/api/v1/services/%zz");
    assert_not_found(f, "GET", "/api/v1/services/%ff");
    assert_not_found(f, "POST", "/api/v1/applications/%00/withdraw");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_exact_match),      T(test_parameter_extraction),   T(test_parameter_percent_decoded),
        T(test_shape_mismatches), T(test_head_matches_get),       T(test_wrong_method),
        T(test_unknown_path),     T(test_bad_parameter_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
