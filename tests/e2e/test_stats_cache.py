"""The statistics answers are cheap to serve (API.md §8): each worker keeps a rendered answer
for stats_cache_ms (10 s by default; config/test.conf turns it off so the other statistics
tests see each event at once). On a stack of its own with one worker and a 3 s cache: a
repeated request is the same answer, an event shows once the cache time is over (never
later), and the key holds the endpoint, the code and the range."""
import atexit
import time

import pytest
import requests

from people import APPS, GA_3, bring_to, call, new_citizen, new_staff, service_department
from stack import Stack

CACHE_MS = 3000
STATS = "/api/v1/stats"


@pytest.fixture(scope="module")
def cstack():
    s = Stack(env={"ONEWINDOW_WORKERS": "1", "ONEWINDOW_STATS_CACHE_MS": str(CACHE_MS)})
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


def figures(http, base, path, **params):
    r = http.get(base + STATS + path, params=params, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "public, max-age=60"
    return r.json()


def test_a_repeated_request_is_served_from_the_cache_until_its_time_is_over(cstack):
    base = cstack.base
    dept = service_department(GA_3)[0]
    with requests.Session() as http:
        staff = new_staff(cstack, http, base, dept)
        paths = [f"/departments/{dept}", f"/services/{GA_3}", "/departments"]
        before = {p: figures(http, base, p) for p in paths}
        c = new_citizen(cstack, http, base)
        no = bring_to(http, base, c, staff, "completed", GA_3)
        r = call(http, base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 5})
        assert r.status_code == 201, r.text
        done = time.monotonic()
        # the one worker answers from its cache: the figures before the events
        for p in paths:
            assert figures(http, base, p) == before[p], p
        # another range is another key: read now, it has the events
        other = figures(http, base, f"/departments/{dept}", **{"from": before[paths[0]]["to"]})
        assert other["rating_count"] >= 1, other
        # once the cache time is over, every answer has them
        time.sleep(max(0.0, CACHE_MS / 1000 + 0.2 - (time.monotonic() - done)))
        after = {p: figures(http, base, p) for p in paths}
    for p in paths[:2]:
        assert after[p]["applications_completed"] == before[p]["applications_completed"] + 1, p
        assert after[p]["rating_count"] == before[p]["rating_count"] + 1, p
    listed = {d["code"]: d for d in after["/departments"]["departments"]}
    old = {d["code"]: d for d in before["/departments"]["departments"]}
    assert listed[dept]["rating_count"] == old[dept]["rating_count"] + 1


def test_unknown_codes_and_bad_ranges_are_not_answered_from_the_cache(cstack):
    with requests.Session() as http:
        for _ in range(2):
            assert http.get(cstack.base + STATS + "/departments/ZZ", timeout=30).status_code == 404
            r = http.get(cstack.base + STATS + "/departments", params={"from": "x"}, timeout=30)
            assert r.status_code == 400, r.text
