"""Ratings per bundle (issue 18 "Ratings apply per child and per bundle", API.md §8 "Bundle
ratings"): the citizen rates a completed life-event bundle as a whole, once, within the
window from its last child's final step; the same body and checks as an application's
rating; its own row and audit line, shown on the bundle detail; not in any department's or
service's statistics; 404 for anyone else's or an unknown bundle; replayed under its
Idempotency-Key."""
import threading

import pytest
import requests

from conftest import assert_problem
from helpers import field_errors, sql
from people import call, new_citizen, new_staff, q, sample_value, shanghai_today, staff_step

API = "/api/v1"
DIMENSIONS = {"efficiency": 5, "guide_accuracy": 4, "convenience": 5, "usability": 3}
RATING_KEYS = {"id", "score", "level", "dimensions", "tags", "comment", "channel", "rated_at"}


def submitted_retirement(http, base, who):
    """退休一件事 with its two required services (人社 and 医保; neither needs an upload)."""
    d = http.get(f"{base}{API}/life-events/retirement", timeout=30).json()
    form = {f: sample_value(d["form_schema"]["properties"][f]) for f in d["form_schema"]["required"]}
    r = call(http, base, "POST", f"{API}/life-events/retirement/applications", who.token,
             {"answers": {}, "form": form})
    assert r.status_code == 201, r.text
    b = r.json()
    return b["bundle_no"], [c["application_no"] for c in b["children"]]


@pytest.fixture
def staff(stack, http, base):
    return new_staff(stack, http, base, "RS"), new_staff(stack, http, base, "YB")


def completed_bundle(stack, http, base, staff, who=None):
    who = who or new_citizen(stack, http, base)
    no, children = submitted_retirement(http, base, who)
    for s, child in zip(staff, children):
        staff_step(http, base, s, child, "accepted")
        staff_step(http, base, s, child, "completed", result="approved")
    return who, no, children


def rate(http, base, who, no, body, **kw):
    return call(http, base, "POST", f"{API}/bundles/{no}/rating", who.token, body, **kw)


def bundle_detail(http, base, who, no):
    r = call(http, base, "GET", f"{API}/bundles/{no}", who.token)
    assert r.status_code == 200, r.text
    return r.json()


def stats_total(stack):
    return sql(stack, "SELECT COALESCE(SUM(rated), 0), COALESCE(SUM(score_sum), 0) "
                      "FROM stats_counters")[0]


def test_the_citizen_rates_a_completed_bundle_once(stack, http, base, staff):
    who, no, children = completed_bundle(stack, http, base, staff)
    assert bundle_detail(http, base, who, no)["rating"] is None
    stats_before = stats_total(stack)
    body = {"score": 5, "dimensions": DIMENSIONS, "tags": ["one_trip"], "comment": "一次办好",
            "channel": "wechat"}
    r = rate(http, base, who, no, body, key="bundle-rate-1", rid="bundle-rate")
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["bundle_no"] == no and out["score"] == 5 and out["level"] == "非常满意", out
    assert out["dimensions"] == DIMENSIONS and out["tags"] == ["one_trip"], out
    assert out["comment"] == "一次办好" and out["channel"] == "wechat", out
    # replay: the same answer, nothing written twice
    again = rate(http, base, who, no, body, key="bundle-rate-1")
    assert again.status_code == 201 and again.json() == out, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    d = bundle_detail(http, base, who, no)
    assert set(d["rating"]) == RATING_KEYS and d["rating"]["id"] == out["id"], d["rating"]
    assert d["rating"]["rated_at"] == out["rated_at"]
    # once per bundle: a second rating of any score is 409 and changes nothing
    assert_problem(rate(http, base, who, no, {"score": 1, "tags": ["slow"]}), 409, "conflict")
    assert bundle_detail(http, base, who, no)["rating"]["score"] == 5
    row = sql(stack, f"SELECT bundle_no, citizen_id, life_event_code, channel, score, efficiency, "
                     f"tags, comment, rated_day FROM bundle_ratings WHERE bundle_no = {q(no)}")
    assert row == [[no, who.id, "retirement", "wechat", "5", "5", '["one_trip"]', "一次办好",
                    str(shanghai_today())]], row
    audit = sql(stack, f"SELECT actor_type, actor_id, detail, client_request_id FROM audit_log "
                       f"WHERE target = {q(no)} AND action = 'bundle_rating.create'")
    assert audit == [["citizen", who.id, "score 5", "bundle-rate"]], audit
    # not a department's or service's figure: no child rating, no counter moved
    kids = ", ".join(q(c) for c in children)
    assert sql(stack, f"SELECT COUNT(*) FROM ratings WHERE application_no IN ({kids})") == [["0"]]
    assert stats_total(stack) == stats_before
    # each child is still rated on its own
    r = call(http, base, "POST", f"{API}/applications/{children[0]}/rating", who.token,
             {"score": 4})
    assert r.status_code == 201, r.text


def test_a_bad_bundle_rating_needs_a_tag_or_a_comment(stack, http, base, staff):
    who, no, _ = completed_bundle(stack, http, base, staff)
    r = rate(http, base, who, no, {"score": 2})
    assert r.status_code == 400 and field_errors(r) == ["/tags"], r.text
    r = rate(http, base, who, no, {"score": 1, "comment": "两个部门说法不一"})
    assert r.status_code == 201 and r.json()["level"] == "非常不满意", r.text
    assert sql(stack, f"SELECT COUNT(*) FROM rectifications WHERE application_no IN "
                      f"(SELECT a.application_no FROM applications a JOIN bundles b "
                      f"ON b.id = a.bundle_id WHERE b.bundle_no = {q(no)})") == [["0"]]


def test_not_before_every_child_is_final(stack, http, base, staff):
    who = new_citizen(stack, http, base)
    no, (rs, yb) = submitted_retirement(http, base, who)
    assert_problem(rate(http, base, who, no, {"score": 5}), 409, "conflict")  # submitted
    staff_step(http, base, staff[0], rs, "accepted")
    staff_step(http, base, staff[0], rs, "completed", result="approved")
    r = rate(http, base, who, no, {"score": 5})
    assert_problem(r, 409, "conflict")                                         # in progress
    assert "every application" in r.json()["detail"] or "每个事项" in r.json()["detail"], r.json()
    # one child withdrawn, the other completed: the bundle is completed and rated
    call(http, base, "POST", f"{API}/applications/{yb}/withdraw", who.token, {})
    assert bundle_detail(http, base, who, no)["status"] == "completed"
    assert rate(http, base, who, no, {"score": 4}).status_code == 201
    # every child withdrawn: nothing was done, nothing to rate
    no2, children = submitted_retirement(http, base, who)
    for c in children:
        call(http, base, "POST", f"{API}/applications/{c}/withdraw", who.token, {})
    assert bundle_detail(http, base, who, no2)["status"] == "withdrawn"
    assert_problem(rate(http, base, who, no2, {"score": 5}), 409, "conflict")
    assert sql(stack, f"SELECT COUNT(*) FROM bundle_ratings WHERE citizen_id = {who.id}") == [["1"]]


def test_the_window_runs_from_the_last_childs_final_step(stack, http, base, staff):
    """The last child finished at 2026-03-10 17:00 UTC, 2026-03-11 in Asia/Shanghai (the
    stack's time zone): the window (30 days) ends on 2026-04-10."""
    who = new_citizen(stack, http, base)
    late, edge = (completed_bundle(stack, http, base, staff, who)[1:] for _ in range(2))
    for no, (first, last) in (late, edge):
        sql(stack, f"UPDATE applications SET finished_at = '2026-03-01 00:00:00' "
                   f"WHERE application_no = {q(first)}")
        sql(stack, f"UPDATE applications SET finished_at = '2026-03-10 17:00:00' "
                   f"WHERE application_no = {q(last)}")
    late, edge = late[0], edge[0]
    r = rate(http, base, who, late, {"score": 4}, today="2026-04-11")
    assert_problem(r, 409, "conflict")
    assert "2026-04-10" in r.json()["detail"], r.json()
    r = rate(http, base, who, edge, {"score": 4}, today="2026-04-10")
    assert r.status_code == 201, r.text
    assert sql(stack, f"SELECT finished_day, rated_day FROM bundle_ratings "
                      f"WHERE bundle_no = {q(edge)}") == [["2026-03-11", "2026-04-10"]]


def test_only_the_bundles_citizen_rates(stack, http, base, staff):
    who, no, children = completed_bundle(stack, http, base, staff)
    other = new_citizen(stack, http, base)
    assert_problem(rate(http, base, other, no, {"score": 5}), 404, "not_found")
    assert_problem(rate(http, base, who, "20260101-AAAAA-AAAAA", {"score": 5}), 404, "not_found")
    assert_problem(rate(http, base, who, "nonsense", {"score": 5}), 404, "not_found")
    assert_problem(rate(http, base, who, children[0], {"score": 5}), 404, "not_found")
    r = call(http, base, "POST", f"{API}/bundles/{no}/rating", staff[0].token, {"score": 5})
    assert r.status_code == 403, r.text
    r = call(http, base, "POST", f"{API}/bundles/{no}/rating", None, {"score": 5})
    assert r.status_code == 401, r.text
    assert bundle_detail(http, base, who, no)["rating"] is None
    # the lower-case number is the same bundle
    assert rate(http, base, who, no.lower(), {"score": 5}).json()["bundle_no"] == no


@pytest.fixture(scope="module")
def rateable(stack, base):
    with requests.Session() as http:
        s = new_staff(stack, http, base, "RS"), new_staff(stack, http, base, "YB")
        who, no, _ = completed_bundle(stack, http, base, s)
        return who, no


@pytest.mark.parametrize("body, pointer", [
    ({}, "/score"),
    ({"score": 0}, "/score"),
    ({"score": 6}, "/score"),
    ({"score": "5"}, "/score"),
    ({"score": 5, "tags": ["slow"]}, "/tags/0"),
    ({"score": 5, "tags": ["one_trip", "one_trip"]}, "/tags/1"),
    ({"score": 5, "tags": "one_trip"}, "/tags"),
    ({"score": 2}, "/tags"),
    ({"score": 5, "dimensions": {"efficiency": 6, "guide_accuracy": 4, "convenience": 5,
                                 "usability": 3}}, "/dimensions/efficiency"),
    ({"score": 5, "dimensions": {**DIMENSIONS, "speed": 5}}, "/dimensions/speed"),
    ({"score": 5, "dimensions": [5]}, "/dimensions"),
    ({"score": 5, "comment": "好" * 501}, "/comment"),
    ({"score": 5, "channel": "fax"}, "/channel"),
])
def test_a_bad_body_names_its_field(stack, http, base, rateable, body, pointer):
    who, no = rateable
    r = rate(http, base, who, no, body)
    assert r.status_code == 400, r.text
    assert pointer in field_errors(r), r.text
    assert sql(stack, f"SELECT COUNT(*) FROM bundle_ratings WHERE bundle_no = {q(no)}") == [["0"]]


def test_the_comment_limit_is_500_characters(stack, http, base, rateable):
    who, no = rateable
    r = rate(http, base, who, no, {"score": 5, "comment": "好" * 500})
    assert r.status_code == 201 and len(r.json()["comment"]) == 500, r.text


def test_concurrent_ratings_of_one_bundle_make_one(stack, http, base, staff):
    """A client that races itself (several keys at once): the bundle's lock and its unique key
    let one rating in; the others are 409."""
    who, no, _ = completed_bundle(stack, http, base, staff)
    answers = []

    def one(score):
        answers.append(rate(http, base, who, no, {"score": score}).status_code)

    threads = [threading.Thread(target=one, args=(s,)) for s in (3, 4, 5, 4, 3, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * 5, answers
    assert sql(stack, f"SELECT COUNT(*) FROM bundle_ratings WHERE bundle_no = {q(no)}") == [["1"]]


def test_the_api_account_cannot_delete_a_bundle_rating(stack):
    line = [g[0] for g in sql(stack, "SHOW GRANTS FOR 'onewindow_api'@'localhost'")
            if "`bundle_ratings`" in g[0]]
    assert line and "DELETE" not in line[0], line
