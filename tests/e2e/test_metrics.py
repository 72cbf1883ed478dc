"""GET /metrics (API.md §2): Prometheus text 0.0.4, summed over the worker processes,
monotonic through nginx, cumulative histograms, loopback only."""
import math

from conftest import assert_problem
from helpers import Load, Metrics, json_lines, raw_request, scrape, unique_id, wait_for

REQUESTS = "onewindow_http_requests_total"
DURATION = "onewindow_http_request_duration_seconds"


def test_format_and_families(base, http):
    http.get(base + "/healthz")
    http.get(base + "/api/v1/nope")
    r = http.get(base + "/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    assert r.text.endswith("\n")
    m = Metrics(r.text)  # asserts the line grammar, TYPE before samples, no duplicates
    assert m.types[REQUESTS] == "counter"
    assert m.types[DURATION] == "histogram"
    assert m.types["onewindow_db_errors_total"] == "counter"
    assert set(m.helps) >= {REQUESTS, DURATION, "onewindow_db_errors_total"}
    assert m.get(REQUESTS, route="/healthz", method="GET", status="200") >= 1
    assert m.get(REQUESTS, route="unmatched", method="GET", status="404") >= 1
    for labels, _ in m.series(REQUESTS):
        assert set(labels) == {"route", "method", "status"}, labels
        assert labels["status"].isdigit() and len(labels["status"]) == 3
    assert m.series(DURATION + "_bucket") and m.series(DURATION + "_sum")
    assert m.series(DURATION + "_count")
    assert len(m.series("onewindow_db_errors_total")) == 1


def test_no_path_or_query_in_labels(base, http):
    http.get(base + "/api/v1/test/items/label-probe-4711?q=13800138000")
    text = http.get(base + "/metrics").text
    assert "label-probe-4711" not in text and "13800138000" not in text
    assert 'route="/api/v1/test/items/{id}"' in text


def test_counts_are_summed_over_all_workers(stack, base, http):
    key = dict(route="/healthz", method="GET", status="200")
    before = scrape(base, http).get(REQUESTS, **key)
    prefix = unique_id("sum")
    for i in range(200):
        r = http.get(base + "/healthz", headers={"X-Request-Id": f"{prefix}-{i}"})
        assert r.status_code == 200
    # A request is counted just after its answer: give the last one a moment. Then the
    # scrapes, spread over the workers like any request, must each see all 200.
    wait_for(lambda: scrape(base, http).get(REQUESTS, **key) - before >= 200, 5,
             what="healthz counter up by 200")
    for _ in range(6):
        assert scrape(base, http).get(REQUESTS, **key) - before >= 200

    # And the 200 really went to more than one worker process (nginx logs the socket).
    def upstreams():
        lines = [e for e in json_lines(stack.log_path("nginx-access.log"))
                 if e.get("request_id", "").startswith(prefix + "-")]
        return {e["upstream"] for e in lines} if len(lines) == 200 else None
    used = wait_for(upstreams, 5, interval=0.1, what="nginx access lines of the 200 requests")
    assert len(used) >= 2, used


def test_successive_scrapes_never_go_backwards(base, http):
    expected = {"/healthz": 200, "/api/v1/nope": 404, "/api/v1/test/items/1": 200,
                "/api/v1/test/query?page=0": 400}
    with Load(base, list(expected), threads=4) as load:
        load.wait_count(20)
        scrapes = []
        for _ in range(20):
            scrapes.append(scrape(base, http))
    assert all(outcome == expected[path] for path, outcome, _ in load.results), load.summary()
    for earlier, later in zip(scrapes, scrapes[1:]):
        for (name, labels), value in earlier.samples.items():
            if earlier.types.get(earlier.family(name)) not in ("counter", "histogram"):
                continue
            assert (name, labels) in later.samples, f"series vanished: {name} {dict(labels)}"
            assert later.samples[(name, labels)] >= value, \
                f"{name} {dict(labels)} went from {value} to {later.samples[(name, labels)]}"
    first, last = scrapes[0], scrapes[-1]
    assert last.get(REQUESTS, route="/healthz", method="GET", status="200") > \
        first.get(REQUESTS, route="/healthz", method="GET", status="200")


def test_histograms_are_cumulative(base, http):
    for ms in (0, 30):
        assert http.get(base + f"/api/v1/test/sleep?ms={ms}").status_code == 200
    m = scrape(base, http)
    buckets = {}
    for labels, value in m.series(DURATION + "_bucket"):
        le = math.inf if labels["le"] == "+Inf" else float(labels["le"])
        buckets.setdefault(labels["route"], []).append((le, value))
    counts = {labels["route"]: v for labels, v in m.series(DURATION + "_count")}
    sums = {labels["route"]: v for labels, v in m.series(DURATION + "_sum")}
    assert set(buckets) == set(counts) == set(sums)
    # Every route that was counted has a latency histogram, and no other.
    assert set(buckets) == {labels["route"] for labels, _ in m.series(REQUESTS)}
    for route, pairs in buckets.items():
        pairs.sort()
        les = [le for le, _ in pairs]
        assert len(set(les)) == len(les) and les[-1] == math.inf, (route, les)
        values = [v for _, v in pairs]
        assert values == sorted(values), f"{route}: buckets not cumulative: {pairs}"
        assert values[-1] == counts[route], route
        assert sums[route] >= 0
    sleep = dict(buckets["/api/v1/test/sleep"])
    # The 30 ms sleep is above the 25 ms bound; the sum holds at least its 30 ms.
    assert sleep[0.025] < sleep[math.inf]
    assert sums["/api/v1/test/sleep"] >= 0.030


def test_requests_counter_matches_answers(base, http):
    key = dict(route="/api/v1/test/echo", method="POST", status="415")
    before = scrape(base, http).get(REQUESTS, **key)
    for _ in range(7):
        r = http.post(base + "/api/v1/test/echo", data=b"x", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
    # Counted after the answer is sent: allow the last one a moment.
    wait_for(lambda: scrape(base, http).get(REQUESTS, **key) - before == 7, 5,
             what="415 counter up by 7")


def test_metrics_only_from_loopback_127_0_0_1(base):
    r = raw_request(base, "GET", "/metrics", source_address=("127.0.0.2", 0))
    assert_problem(r, 403, "forbidden")
    assert "onewindow_" not in r.text
    # The same client may use the API: the rule covers /metrics only.
    ok = raw_request(base, "GET", "/healthz", source_address=("127.0.0.2", 0))
    assert ok.status_code == 200


def test_invented_methods_add_no_series(base, http):
    """Issue 12, finding 5: series are counted by method from a fixed set (plus OTHER), so
    invented methods cannot exhaust the table shared by every process of the host."""
    for i in range(40):
        raw_request(base, f"INVENTED{i}", "/healthz")
    methods = {labels["method"] for labels, _ in scrape(base, http).series(
        "onewindow_http_requests_total")}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}, \
        methods
