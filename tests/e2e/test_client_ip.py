"""The client's address behind trusted proxies (README "Client IP", issue 12 finding 8).

A stack of its own with trusted_proxies = 127.0.0.2 (the "load balancer": requests sent from
that local address) and production-like limits: nginx's per-client rate (1/s, burst 4) and
the app's SMS codes per client (2 an hour). Before: the limits counted the proxy (every
citizen behind a load balancer shared one budget) and each IPv6 address apart (a /64 holds
2^64 of them, free to change)."""
import atexit

import pytest

from helpers import raw_request
from people import new_phone
from stack import Stack

PROXY = ("127.0.0.2", 0)
BURST = 4


@pytest.fixture(scope="module")
def lstack():
    s = Stack(env={"ONEWINDOW_TRUSTED_PROXIES": "127.0.0.2",
                   "ONEWINDOW_IP_RATE_PER_S": "1", "ONEWINDOW_IP_BURST": str(BURST),
                   "ONEWINDOW_SMS_PER_IP_PER_HOUR": "2"})
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


def get(stack, forwarded=None, source=PROXY):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return raw_request(stack.base, "GET", "/healthz", headers=headers,
                       source_address=source).status_code


def spend(stack, forwarded, source=PROXY):
    """Requests until nginx answers 429: how many passed (at least the burst)."""
    for n in range(BURST + 20):
        if get(stack, forwarded, source) == 429:
            return n
    pytest.fail(f"{forwarded}: never limited")


def test_behind_the_proxy_each_client_has_its_own_budget(lstack):
    assert spend(lstack, "198.51.100.7") >= BURST
    assert get(lstack, "198.51.100.7") == 429
    assert get(lstack, "198.51.100.8") == 200  # another citizen behind the same proxy


def test_a_forged_left_part_of_x_forwarded_for_is_ignored(lstack):
    """The client may send its own X-Forwarded-For; the proxy appends the real peer. Only
    the rightmost untrusted address counts."""
    assert spend(lstack, "203.0.113.1, 198.51.100.20") >= BURST
    assert get(lstack, "203.0.113.2, 198.51.100.20") == 429
    assert get(lstack, "198.51.100.20, 127.0.0.2") == 429  # trusted hops are skipped


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(lstack):
    """127.0.0.1 is not a trusted proxy: a new address in each request changes nothing."""
    local = ("127.0.0.1", 0)
    n = 0
    while n < BURST + 20:
        if get(lstack, f"198.51.100.{100 + n}", source=local) == 429:
            break
        n += 1
    assert BURST <= n < BURST + 20, n


@pytest.mark.parametrize("same", ["2001:db8:1:2::9", "2001:db8:1:2:ffff:ffff:ffff:ffff",
                                  "2001:DB8:1:2:0:0:0:1"])
def test_ipv6_clients_are_limited_per_64(lstack, same):
    first = "2001:db8:1:2::1"
    if get(lstack, first) != 429:
        spend(lstack, first)
    assert get(lstack, same) == 429, same
    assert get(lstack, "2001:db8:1:3::1") == 200  # the next /64


@pytest.mark.parametrize("first,same,other", [
    # zero groups inside the prefix: "::" there (nginx writes the canonical form)
    ("2001:db8::9", "2001:db8:0:0:abcd::1", "2001:db8:0:1::1"),
    # "::" after the prefix, and an address whose "::" falls before its fifth group
    ("2001:db8:0:1::9", "2001:db8:0:1:2:3:4:5", "2001:db8:0:2::1"),
    ("2001:db9:0:7::9", "2001:db9:0:7:1:2:3:4", "2001:db9::8:1:2:3:4"),
    ("1::1:2:0:0:9", "1:0:0:1:ffff:0:0:1", "1::2:ffff:0:0:1"),
    ("::9", "::abcd:1", "::1:0:0:0:1"),
])
def test_ipv6_prefixes_with_zero_groups(lstack, first, same, other):
    """Every compressed form maps to its /64 (the map in nginx/nginx.conf.in)."""
    spend(lstack, first)
    assert get(lstack, same) == 429, same
    assert get(lstack, other) == 200, other


def test_the_app_counts_sms_per_client_and_per_64(lstack):
    """The app's own per-client counter (sms_per_ip_per_hour = 2) uses the same key."""
    def send(forwarded):
        body = ('{"phone":"%s"}' % new_phone()).encode()
        return raw_request(lstack.base, "POST", "/api/v1/auth/sms/send", body=body,
                           headers={"Content-Type": "application/json",
                                    "X-Forwarded-For": forwarded},
                           source_address=PROXY)
    assert send("2001:db8:7:7::1").status_code == 202
    assert send("2001:db8:7:7::2").status_code == 202
    r = send("2001:db8:7:7:aaaa::3")  # the same /64: its third code within the hour
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "rate_limited"
    assert send("2001:db8:7:8::1").status_code == 202   # another /64
    assert send("198.51.100.77").status_code == 202     # and another client behind the proxy
