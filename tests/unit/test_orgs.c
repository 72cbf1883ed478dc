/* Unit tests of the organizations' pure rules (API.md §7): which addresses are public
 * (core/netaddr.c), the webhook URL check (auth/webhook_url.c; literal hosts and localhost
 * only, so no DNS server is asked), a delegation's window (workflow/delegations.c) and the
 * client scopes (auth/org_admin.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "auth/org_admin.h"
#include "auth/webhook_url.h"
#include "core/config.h"
#include "core/netaddr.h"
#include "workflow/delegations.h"

static bool v4_public(const char *text)
{
    uint8_t a[4];
    assert_int_equal(inet_pton(AF_INET, text, a), 1);
    return netaddr_public_v4(a);
}

static bool v6_public(const char *text)
{
    uint8_t a[16];
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    return netaddr_public_v6(a);
}

static void test_ipv4_special_blocks_are_not_public(void **state)
{
    (void)state;
    const char *special[] = {
        "0.0.0.0",         "0.255.255.255",  "10.0.0.1",        "10.255.255.255",  "100.64.0.0",
        "100.127.255.255", "127.0.0.1",      "127.255.255.254", "169.254.169.254", "172.16.0.1",
        "172.31.255.255",  "192.0.0.8",      "192.0.2.1",       "192.88.99.1",     "192.168.1.1",
        "198.18.0.1",      "198.19.255.255", "198.51.100.7",    "203.0.113.9",     "224.0.0.1",
        "239.255.255.250", "240.0.0.1",      "255.255.255.255"};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (v4_public(special[i]))
            fail_msg("%s counted as public", special[i]);
    /* the neighbours of those blocks are public */
    const char *public_[] = {
        "1.1.1.1",        "9.255.255.255",   "11.0.0.0",        "100.63.255.255",
        "100.128.0.0",    "126.255.255.255", "128.0.0.1",       "169.253.255.255",
        "172.15.255.255", "172.32.0.0",      "192.0.1.0",       "192.167.255.255",
        "198.17.255.255", "198.20.0.0",      "223.255.255.255", "93.184.215.14"};
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
        if (!v4_public(public_[i]))
            fail_msg("%s counted as not public", public_[i]);
}

static void test_ipv6_only_global_unicast_is_public(void **state)
{
    (void)state;
    const char *special[] = {"::",
                             "::1",
                             "fe80::1",
                             "fc00::1",
                             "fd12:3456::1",
                             "ff02::1",
                             "2001:db8::1",
                             "2001::1",
                             "100::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "64:ff9b::a9fe:a9fe",
                             "2002:7f00:1::1",
                             "2002:c0a8:101::1",
                             "fec0::1",
                             "::127.0.0.1"};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (v6_public(special[i]))
            fail_msg("%s counted as public", special[i]);
    const char *public_[] = {"2606:2800:220:1:248:1893:25c8:1946",
                             "2400:3200::1",
                             "::ffff:93.184.215.14",
                             "64:ff9b::5db8:d70e",
                             "2002:5db8:d70e::1",
                             "3fff::1",
                             "2001:200::1"};
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
        if (!v6_public(public_[i]))
            fail_msg("%s counted as not public", public_[i]);
}

static int check(const char *url, int allow_http, int allow_private, char *why)
{
    ow_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.webhook_allow_http = allow_http;
    cfg.webhook_allow_private = allow_private;
    return webhook_url_check(url, &cfg, why, 160);
}

static void test_webhook_url_rules(void **state)
{
    (void)state;
    char why[160];
    assert_int_equal(check("https://93.184.215.14/hooks", 0, 0, why), 0);
    assert_int_equal(check("https://[2606:2800:220:1:248:1893:25c8:1946]:8443/h?x=1", 0, 0, why),
                     0);
    assert_int_equal(check("http://93.184.215.14/hooks", 0, 0, why), -1);
    assert_non_null(strstr(why, "https"));
    assert_int_equal(check("http://93.184.215.14/hooks", 1, 0, why), 0);
    const char *local[] = {"https://127.0.0.1/",
                           "https://localhost/",
                           "https://[::1]/",
                           "https://10.0.0.8/",
                           "https://169.254.169.254/",
                           "https://[fe80::1]/",
                           "https://[::ffff:192.168.0.1]/"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        if (check(local[i], 1, 0, why) != -1)
            fail_msg("%s accepted", local[i]);
        assert_non_null(strstr(why, "non-public"));
        if (check(local[i], 1, 1, why) != 0) /* development allows them */
            fail_msg("%s refused with webhook_allow_private: %s", local[i], why);
    }
    assert_int_equal(check("https://u:p@93.184.215.14/", 0, 0, why), -1);
    assert_int_equal(check("ftp://93.184.215.14/", 1, 1, why), -1);
    assert_int_equal(check("93.184.215.14/hooks", 1, 1, why), -1);
    assert_int_equal(check("https://93.184.215.14/a b", 1, 1, why), -1);
    assert_int_equal(check("", 1, 1, why), -1);
    /* 512 characters at most */
    char url[600] = "https://93.184.215.14/";
    size_t n = strlen(url);
    memset(url + n, 'x', WEBHOOK_URL_MAX - n);
    url[WEBHOOK_URL_MAX] = '\0';
    assert_int_equal(check(url, 0, 0, why), 0);
    url[WEBHOOK_URL_MAX] = 'x';
    url[WEBHOOK_URL_MAX + 1] = '\0';
    assert_int_equal(check(url, 0, 0, why), -1);
}

static void test_delegation_window(void **state)
{
    (void)state;
    cal_day today = 20000;
    assert_int_equal(delegation_window_check(today, today, today), DELEGATION_WINDOW_OK);
    assert_int_equal(delegation_window_check(today - 10, today, today), DELEGATION_WINDOW_OK);
    assert_int_equal(delegation_window_check(today + 1, today, today), DELEGATION_WINDOW_REVERSED);
    assert_int_equal(delegation_window_check(today - 10, today - 1, today),
                     DELEGATION_WINDOW_ENDED);
    assert_int_equal(delegation_window_check(today, today + DELEGATION_DAYS_MAX - 1, today),
                     DELEGATION_WINDOW_OK);
    assert_int_equal(delegation_window_check(today, today + DELEGATION_DAYS_MAX, today),
                     DELEGATION_WINDOW_TOO_LONG);
}

static void test_client_scopes(void **state)
{
    (void)state;
    assert_true(org_scopes_known("applications:read"));
    assert_true(
        org_scopes_known("applications:read applications:write notifications:write services:read"));
    assert_false(org_scopes_known(""));
    assert_false(org_scopes_known("applications:read applications:read"));
    assert_false(org_scopes_known("applications:read  services:read"));
    assert_false(org_scopes_known(" services:read"));
    assert_false(org_scopes_known("services:write"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_special_blocks_are_not_public),
        cmocka_unit_test(test_ipv6_only_global_unicast_is_public),
        cmocka_unit_test(test_webhook_url_rules),
        cmocka_unit_test(test_delegation_window),
        cmocka_unit_test(test_client_scopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
