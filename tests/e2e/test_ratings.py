"""API.md §8 ratings (好差评) through nginx: the tag list of each level, a citizen's one rating
of their own finished application (completed or not_accepted; 409 before, for a withdrawn
one, after the window and on a second try; 404 for another citizen's), the validation of
score, dimensions, tags and comment, what the record keeps, the rating on the citizen's
detail, the service's rating summary, and the rectification case a bad rating opens, due
the 5th working day after the rating day across a holiday."""
import datetime
import threading

import pytest

from conftest import assert_problem
from helpers import field_errors, sql, wait_for
from people import (APPS, GA_3, bring_to, call, detail, new_citizen, new_staff, q,
                    service_department, shanghai_today, staff_step, submitted, withdraw)

TAGS = "/api/v1/rating-tags"
GOOD = ["fast", "one_trip"]
BAD = ["slow"]
DIMENSIONS = {"efficiency": 5, "guide_accuracy": 4, "convenience": 5, "usability": 3}
RATING_KEYS = {"id", "score", "level", "dimensions", "tags", "comment", "channel", "rated_at"}
WINDOW_DAYS = 30


def rate(http, base, who, no, body, **kw):
    return call(http, base, "POST", f"{APPS}/{no}/rating", who.token, body, **kw)


def rated(http, base, who, no, body, **kw):
    r = rate(http, base, who, no, body, **kw)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def ga(stack, http, base):
    return new_staff(stack, http, base, "GA")


def completed(stack, http, base, staff, service=GA_3, citizen=None):
    c = citizen or new_citizen(stack, http, base)
    return c, bring_to(http, base, c, staff, "completed", service)


def finished_day(stack, no):
    """The day of the final step in the service's time zone (Asia/Shanghai, +08:00)."""
    ts = sql(stack, f"SELECT DATE_FORMAT(finished_at, '%Y-%m-%d %H:%i:%s') FROM applications "
                    f"WHERE application_no = {q(no)}")[0][0]
    utc = datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S")
    return (utc + datetime.timedelta(hours=8)).date()


# --- the tag list ------------------------------------------------------------------------------
def test_rating_tags_are_public_and_depend_on_the_level(http, base):
    r = http.get(base + TAGS, timeout=30)
    assert r.status_code == 200, r.text
    assert "max-age" in r.headers["Cache-Control"]
    body = r.json()
    levels = {lv["score"]: lv for lv in body["levels"]}
    assert [lv["score"] for lv in body["levels"]] == [5, 4, 3, 2, 1]
    assert [levels[s]["name"] for s in (5, 4, 3, 2, 1)] == [
        "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    codes = {s: {t["code"] for t in levels[s]["tags"]} for s in levels}
    assert codes[5] == codes[4] and codes[2] == codes[1]
    assert not codes[5] & codes[1] and not codes[3] & codes[1] and not codes[5] & codes[3]
    assert set(GOOD) <= codes[5] and set(BAD) <= codes[1]
    for lv in body["levels"]:
        assert lv["tags"] and all(t["label"] and t["label_en"] for t in lv["tags"]), lv
    assert body["dimensions"] == list(DIMENSIONS)


# --- the happy path ----------------------------------------------------------------------------
def test_owner_rates_a_completed_application_once(stack, http, base, ga):
    c, no = completed(stack, http, base, ga)
    assert detail(http, base, c, no)["rating"] is None
    body = {"score": 5, "dimensions": DIMENSIONS, "tags": GOOD, "comment": "很快，一次办好",
            "channel": "wechat"}
    out = rated(http, base, c, no, body, rid="rate-happy")
    assert out["score"] == 5 and out["level"] == "非常满意" and out["tags"] == GOOD, out
    assert out["dimensions"] == DIMENSIONS and out["comment"] == "很快，一次办好", out
    assert out["channel"] == "wechat" and out["application_no"] == no, out
    assert out["rectification"] is None, out
    d = detail(http, base, c, no)
    assert set(d["rating"]) == RATING_KEYS | {"excluded_from_statistics", "exclusion_reason"}
    assert d["rating"]["id"] == out["id"], d["rating"]
    assert not d["rating"]["excluded_from_statistics"] and d["rating"]["exclusion_reason"] is None
    assert d["rating"]["rated_at"] == out["rated_at"] and d["rectification"] is None, d
    # 一事一评: a second rating of any score is 409 and changes nothing
    r = rate(http, base, c, no, {"score": 1, "tags": BAD})
    assert_problem(r, 409, "conflict")
    assert detail(http, base, c, no)["rating"]["score"] == 5
    # what a 好差评 system needs, copied at rating time
    dept, dept_name = service_department(GA_3)
    row = sql(stack, f"SELECT application_no, service_code, department_code, department_name, "
                     f"channel, handler_type, COALESCE(org_id, 'NULL'), staff_id, app_status, "
                     f"app_result, score, efficiency, guide_accuracy, convenience, usability, "
                     f"tags, comment, rated_day, finished_day, citizen_id FROM ratings "
                     f"WHERE application_no = {q(no)}")
    assert len(row) == 1, row
    assert row[0] == [no, GA_3, dept, dept_name, "wechat", "department", "NULL", ga.id,
                      "completed", "approved", "5", "5", "4", "5", "3", '["fast","one_trip"]',
                      "很快，一次办好", str(shanghai_today()), str(finished_day(stack, no)),
                      c.id], row
    audit = sql(stack, f"SELECT actor_type, actor_id, detail, client_request_id FROM audit_log "
                       f"WHERE target = {q(no)} AND action = 'rating.create'")
    assert audit == [["citizen", c.id, "score 5", "rate-happy"]], audit


def test_not_accepted_is_rated_and_open_or_withdrawn_ones_are_not(stack, http, base, ga):
    c = new_citizen(stack, http, base)
    refused = bring_to(http, base, c, ga, "not_accepted")
    assert rated(http, base, c, refused, {"score": 3})["level"] == "基本满意"
    for status in ("submitted", "accepted", "need_materials", "withdrawn"):
        no = bring_to(http, base, c, ga, status)
        r = rate(http, base, c, no, {"score": 4})
        assert_problem(r, 409, "conflict")
        assert detail(http, base, c, no)["rating"] is None
    assert int(sql(stack, f"SELECT COUNT(*) FROM ratings WHERE citizen_id = {c.id}")[0][0]) == 1


def test_the_window_closes_rating_window_days_after_the_final_step(stack, http, base, ga):
    c = new_citizen(stack, http, base)
    last, late = (bring_to(http, base, c, ga, "completed") for _ in range(2))
    day = finished_day(stack, last)
    assert finished_day(stack, late) == day or day != shanghai_today()  # not across midnight
    r = rate(http, base, c, late, {"score": 4}, today=finished_day(stack, late)
             + datetime.timedelta(days=WINDOW_DAYS + 1))
    assert_problem(r, 409, "conflict")
    assert "评价期限已过" in r.json()["detail"] or "closed" in r.json()["detail"], r.json()
    rated(http, base, c, last, {"score": 4}, today=day + datetime.timedelta(days=WINDOW_DAYS))


def test_only_the_owner_rates(stack, http, base, ga):
    c, no = completed(stack, http, base, ga)
    other = new_citizen(stack, http, base)
    assert_problem(rate(http, base, other, no, {"score": 5}), 404, "not_found")
    assert_problem(rate(http, base, c, "20260101-AAAAA-AAAAA", {"score": 5}), 404, "not_found")
    assert_problem(rate(http, base, c, "nonsense", {"score": 5}), 404, "not_found")
    r = call(http, base, "POST", f"{APPS}/{no}/rating", ga.token, {"score": 5})
    assert r.status_code == 403, r.text
    r = call(http, base, "POST", f"{APPS}/{no}/rating", None, {"score": 5})
    assert r.status_code == 401, r.text
    assert detail(http, base, c, no)["rating"] is None


# --- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("body, pointer", [
    ({}, "/score"),
    ({"score": 0}, "/score"),
    ({"score": 6}, "/score"),
    ({"score": "5"}, "/score"),
    ({"score": 5, "tags": BAD}, "/tags/0"),               # a bad level's tag on a good rating
    ({"score": 1, "tags": GOOD}, "/tags/0"),
    ({"score": 3, "tags": GOOD[:1]}, "/tags/0"),
    ({"score": 5, "tags": ["fast", "fast"]}, "/tags/1"),
    ({"score": 5, "tags": ["nope"]}, "/tags/0"),
    ({"score": 5, "tags": [5]}, "/tags/0"),
    ({"score": 5, "tags": "fast"}, "/tags"),
    ({"score": 1, "tags": ["slow", "overdue", "guide_inaccurate", "too_many_materials",
                           "repeated_trips", "poor_attitude", "online_hard",
                           "result_unexplained", "no_response", "slow"]}, "/tags"),
    ({"score": 2}, "/tags"),                               # a bad rating says what went wrong
    ({"score": 5, "comment": "长" * 501}, "/comment"),
    ({"score": 5, "comment": 5}, "/comment"),
    ({"score": 5, "dimensions": {"efficiency": 5}}, "/dimensions/guide_accuracy"),
    ({"score": 5, "dimensions": dict(DIMENSIONS, usability=0)}, "/dimensions/usability"),
    ({"score": 5, "dimensions": dict(DIMENSIONS, speed=5)}, "/dimensions/speed"),
    ({"score": 5, "dimensions": [5, 5, 5, 5]}, "/dimensions"),
    ({"score": 5, "channel": "fax"}, "/channel"),
])
def test_a_bad_body_is_400_and_rates_nothing(stack, http, base, ga, body, pointer):
    c, no = completed(stack, http, base, ga)
    r = rate(http, base, c, no, body)
    assert_problem(r, 400, "invalid_argument")
    assert pointer in field_errors(r), r.text
    assert detail(http, base, c, no)["rating"] is None


def test_limits_at_the_edge_are_taken(stack, http, base, ga):
    c, no = completed(stack, http, base, ga)
    bad = ["slow", "overdue", "guide_inaccurate", "too_many_materials", "repeated_trips",
           "poor_attitude", "online_hard", "result_unexplained", "no_response"]
    out = rated(http, base, c, no, {"score": 1, "tags": bad, "comment": "差" * 500})
    assert out["tags"] == bad and len(out["comment"]) == 500 and out["dimensions"] is None
    assert out["channel"] == "app", out


# --- the service's summary -----------------------------------------------------------------------
def test_the_service_summary_follows_the_ratings(stack, http, base, ga):
    service = "GA-QR-007"  # 出生登记: rated by this test only
    c = new_citizen(stack, http, base)

    def summary():
        r = http.get(f"{base}/api/v1/services/{service}", timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["rating"]

    before = summary()
    n0 = before["count"]
    total0 = round((before["average"] or 0) * n0)
    for score, tags in ((5, []), (4, []), (2, BAD)):
        no = bring_to(http, base, c, ga, "completed", service)
        rated(http, base, c, no, {"score": score, "tags": tags})
    n, total = n0 + 3, total0 + 11
    want = {"average": round(total / n + 1e-9, 2), "count": n}
    wait_for(lambda: summary() == want, 5, what=f"rating summary {want}")


# --- a bad rating's rectification case ----------------------------------------------------------
def test_a_bad_rating_opens_a_case_due_five_working_days_later_across_the_holiday(
        stack, http, base, ga):
    c, no = completed(stack, http, base, ga)
    # the final step on 2026-09-29 (Shanghai noon); rated on 09-30, before 国庆节 (10-01..07)
    sql(stack, f"UPDATE applications SET finished_at = '2026-09-29 04:00:00' "
               f"WHERE application_no = {q(no)}")
    out = rated(http, base, c, no, {"score": 1, "tags": BAD, "comment": "太慢"},
                today="2026-09-30")
    # working days after 09-30: 10-08, 10-09, 10-10 (调休上班, a Saturday), 10-12, 10-13
    assert out["rectification"] == {"status": "open", "deadline": "2026-10-13"}, out
    row = sql(stack, f"SELECT k.status, k.department_code, COALESCE(k.org_id, 'NULL'), "
                     f"k.opened_day, k.deadline, k.rating_id FROM rectifications k "
                     f"WHERE k.application_no = {q(no)}")
    assert row == [["open", "GA", "NULL", "2026-09-30", "2026-10-13", out["id"]]], row
    on_time = detail(http, base, c, no, today="2026-10-13")["rectification"]
    assert on_time == {"status": "open", "deadline": "2026-10-13", "overdue": False,
                       "measure": None, "response": None, "closed_at": None,
                       "visit": None}, on_time
    assert detail(http, base, c, no, today="2026-10-14")["rectification"]["overdue"] is True
    audit = sql(stack, f"SELECT detail FROM audit_log WHERE target = {q(no)} "
                       f"AND action = 'rating.create'")
    assert audit == [["score 1; rectification"]], audit


def test_scores_above_two_open_no_case(stack, http, base, ga):
    c = new_citizen(stack, http, base)
    for score in (3, 4, 5):
        no = bring_to(http, base, c, ga, "completed")
        assert rated(http, base, c, no, {"score": score})["rectification"] is None
        assert sql(stack, f"SELECT COUNT(*) FROM rectifications "
                          f"WHERE application_no = {q(no)}") == [["0"]]
    no = bring_to(http, base, c, ga, "completed")
    assert rated(http, base, c, no, {"score": 2, "comment": "一般"})["rectification"]


def test_concurrent_ratings_of_one_application_make_one(stack, http, base, ga):
    c, no = completed(stack, http, base, ga)
    answers = []

    def one(score):
        answers.append(rate(http, base, c, no, {"score": score}).status_code)

    threads = [threading.Thread(target=one, args=(s,)) for s in (3, 4, 5, 4, 3, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * 5, answers
    assert sql(stack, f"SELECT COUNT(*) FROM ratings WHERE application_no = {q(no)}") == [["1"]]


def test_the_api_account_cannot_delete_a_rating(stack):
    grants = " ".join(r[0] for r in sql(stack, "SHOW GRANTS FOR 'onewindow_api'@'localhost'"))
    assert "`ratings`" in grants, grants
    line = [g[0] for g in sql(stack, "SHOW GRANTS FOR 'onewindow_api'@'localhost'")
            if "`ratings`" in g[0]]
    assert line and "DELETE" not in line[0] and "UPDATE" in line[0], line
