"""API.md §8 rating appeals (申诉复核) through nginx: a department's staff see the rating's id
on their rectification case and appeal it once (another department's rating or an unknown id:
404; a second appeal, also after the decision, and an excluded rating: 409); only the
platform's operator lists and decides appeals (department staff: 403). Keeping a rating
changes nothing; excluding it takes exactly its contribution out of the public statistics
(the rating, its level and score, its case's closing and return visit) and out of the
service's rating summary, equal to a recomputation from the raw tables without excluded
ratings (test_stats's), and `onewindow-admin rebuild-stats` agrees. The rating row stays;
the citizen sees that it was excluded and why; every step is audited."""
import collections
import secrets
import threading

import pytest

from conftest import assert_problem
from helpers import field_errors, json_lines, sql, wait_for
from orgs import Delegated, Org
from people import (GA_3, all_pages, bring_to, call, detail, new_citizen, new_operator, new_staff,
                    q, shanghai_today, submitted)
from test_rectifications import cases, rate_badly, resolve, visit
from test_stats import change, snapshot

STAFF_RATINGS = "/api/v1/staff/ratings"
APPEALS = "/api/v1/staff/rating-appeals"
REASON = "申请人评价的是其他部门的事项，电话核实属实。"
APPEAL_KEYS = {"id", "rating_id", "application_no", "score", "department_code", "requested_by",
               "reason", "evidence", "status", "created_at", "decided_by", "decision_reason",
               "decided_at"}


def appeal(http, base, who, rating_id, body=None, **kw):
    return call(http, base, "POST", f"{STAFF_RATINGS}/{rating_id}/appeal", who.token,
                {"reason": REASON} if body is None else body, **kw)


def decide(http, base, who, appeal_id, decision, reason="经核实，评价对象有误。", **kw):
    return call(http, base, "POST", f"{APPEALS}/{appeal_id}/decision", who.token,
                {"decision": decision, "reason": reason}, **kw)


def listed(http, base, who, **params):
    """Every appeal of the reviewer's queue (all pages), by id."""
    return {a["id"]: a for a in all_pages(http, base, who, APPEALS, **params)[0]}


class Rated:
    """A bad rating of GA's own work: the citizen, GA staff, the number, the rating's id as the
    staff's case shows it, and the case."""

    def __init__(self, stack, http, base, staff=None, citizen=None):
        self.citizen = citizen or new_citizen(stack, http, base)
        self.staff = staff or new_staff(stack, http, base, "GA")
        self.no = bring_to(http, base, self.citizen, self.staff, "completed", GA_3)
        rate_badly(http, base, self.citizen, self.no)
        self.case = cases(http, base, self.staff)[self.no]
        self.rating_id = self.case["rating"]["id"]


@pytest.fixture
def ga(stack, http, base):
    return new_staff(stack, http, base, "GA")


@pytest.fixture
def operator(stack, http, base):
    return new_operator(stack, http, base)


def audit(stack, no, prefix="rating."):
    return sql(stack, f"SELECT actor_type, actor_id, action, detail FROM audit_log "
                      f"WHERE target = {q(no)} AND action LIKE {q(prefix + '%')} ORDER BY id")


def appeal_row(stack, appeal_id):
    return sql(stack, f"SELECT status, COALESCE(decided_by, 0), COALESCE(decision_reason, ''), "
                      f"decided_at IS NULL FROM rating_appeals WHERE id = {int(appeal_id)}")


def rating_row(stack, rating_id):
    return sql(stack, f"SELECT score, excluded_at IS NULL, COALESCE(excluded_reason, '') "
                      f"FROM ratings WHERE id = {int(rating_id)}")


# --- the department's appeal -----------------------------------------------------------------
def test_staff_appeal_a_rating_of_their_case_once(stack, http, base, ga):
    x = Rated(stack, http, base, staff=ga)
    assert x.rating_id == detail(http, base, x.citizen, x.no)["rating"]["id"]
    key = secrets.token_hex(16)
    r = appeal(http, base, ga, x.rating_id, {"reason": REASON, "evidence": "回访录音 HF-0315"},
               key=key)
    assert r.status_code == 201, r.text
    a = r.json()
    assert set(a) == APPEAL_KEYS, a
    assert (a["rating_id"], a["application_no"], a["score"], a["department_code"],
            a["requested_by"], a["reason"], a["evidence"], a["status"]) == (
        x.rating_id, x.no, 1, "GA", ga.id, REASON, "回访录音 HF-0315", "pending"), a
    assert a["decided_by"] is None and a["decision_reason"] is None and a["decided_at"] is None
    assert r.headers["Cache-Control"] == "no-store"
    # the same key again: the same answer, no second row
    again = appeal(http, base, ga, x.rating_id, {"reason": REASON, "evidence": "回访录音 HF-0315"},
                   key=key)
    assert again.status_code == 201 and again.json() == a, again.text
    assert again.headers.get("Idempotent-Replayed") == "true", again.headers
    # a second appeal (another key) is 409, and so are other staff of the department
    assert_problem(appeal(http, base, ga, x.rating_id), 409, "conflict")
    assert_problem(appeal(http, base, new_staff(stack, http, base, "GA"), x.rating_id), 409,
                   "conflict")
    assert sql(stack, f"SELECT COUNT(*) FROM rating_appeals WHERE rating_id = "
                      f"{int(x.rating_id)}") == [["1"]]
    assert audit(stack, x.no, "rating.appeal") == [
        ["staff", ga.id, "rating.appeal", f"appeal {a['id']}: {REASON}"]]
    # the rating counts until a decision
    assert rating_row(stack, x.rating_id) == [["1", "1", ""]]
    assert detail(http, base, x.citizen, x.no)["rating"]["excluded_from_statistics"] is False


def test_the_delegating_department_appeals_a_rating_of_the_organizations_work(stack, http,
                                                                               base):
    d = Delegated(stack, http, base)
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, d.code)["application_no"]
    for status, result in (("accepted", None), ("completed", "approved")):
        assert d.org.step(no, status, result=result).status_code == 200
    rate_badly(http, base, c, no)
    case = cases(http, base, d.staff)[no]
    assert case["handled_by"] == "organization", case
    assert_problem(call(http, base, "POST", f"{STAFF_RATINGS}/{case['rating']['id']}/appeal",
                        d.org.token, {"reason": REASON}), 403, "forbidden")
    r = appeal(http, base, d.staff, case["rating"]["id"])
    assert r.status_code == 201 and r.json()["department_code"] == d.dept, r.text


def test_racing_appeals_make_one_and_racing_decisions_decide_once(stack, http, base, ga,
                                                                   operator):
    x = Rated(stack, http, base, staff=ga)
    answers = []

    def race(fn):
        threads = [threading.Thread(target=lambda: answers.append(fn().status_code))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = sorted(answers)
        answers.clear()
        return got

    assert race(lambda: appeal(http, base, ga, x.rating_id)) == [201] + [409] * 5
    (appeal_id, _), = sql(stack, f"SELECT id, status FROM rating_appeals "
                                 f"WHERE rating_id = {int(x.rating_id)}")
    count, score_sum = totals(stack)
    assert race(lambda: decide(http, base, operator, appeal_id, "exclude")) == [200] + [409] * 5
    assert totals(stack) == (count - 1, score_sum - 1), "subtracted once"
    assert [row[2] for row in audit(stack, x.no)] == ["rating.create", "rating.appeal",
                                                      "rating.exclude"]


def test_another_departments_or_an_unknown_rating_is_404(stack, http, base, ga):
    x = Rated(stack, http, base, staff=ga)
    mz = new_staff(stack, http, base, "MZ")
    theirs = appeal(http, base, mz, x.rating_id)
    unknown = appeal(http, base, mz, "987654321987")
    for r in (theirs, unknown, appeal(http, base, mz, "abc"), appeal(http, base, mz, "0")):
        assert_problem(r, 404, "not_found")
    strip = lambda resp: {k: v for k, v in resp.json().items() if k != "request_id"}
    assert strip(theirs) == strip(unknown)
    assert sql(stack, f"SELECT COUNT(*) FROM rating_appeals WHERE rating_id = "
                      f"{int(x.rating_id)}") == [["0"]]


def test_only_department_staff_appeal_and_only_operators_decide(stack, http, base, ga, operator):
    x = Rated(stack, http, base, staff=ga)
    citizen, org = x.citizen, Org(stack, http, base)
    for token in (citizen.token, org.token, operator.token):
        assert_problem(call(http, base, "POST", f"{STAFF_RATINGS}/{x.rating_id}/appeal", token,
                            {"reason": REASON}), 403, "forbidden")
    assert_problem(call(http, base, "POST", f"{STAFF_RATINGS}/{x.rating_id}/appeal",
                        body={"reason": REASON}), 401, "unauthorized")
    a = appeal(http, base, ga, x.rating_id).json()
    # department staff (of the appealing department too), citizens, organizations: 403
    for token in (ga.token, citizen.token, org.token):
        assert_problem(call(http, base, "POST", f"{APPEALS}/{a['id']}/decision", token,
                            {"decision": "exclude", "reason": "越权裁决"}), 403, "forbidden")
        r = http.get(base + APPEALS, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert_problem(r, 403, "forbidden")
    assert_problem(http.get(base + APPEALS, timeout=30), 401, "unauthorized")
    assert appeal_row(stack, a["id"]) == [["pending", "0", "", "1"]]
    assert rating_row(stack, x.rating_id) == [["1", "1", ""]]
    # an unknown appeal id is the operator's 404
    assert_problem(decide(http, base, operator, "987654321987", "keep"), 404, "not_found")


def test_bodies_are_checked_with_pointers_at_their_limits(stack, http, base, ga, operator):
    x, y = Rated(stack, http, base, staff=ga), Rated(stack, http, base, staff=ga)
    for body, fields in (({}, ["/reason"]),
                         ({"reason": "太短了太短了太短了"}, ["/reason"]),  # 9 characters
                         ({"reason": "理" * 1001}, ["/reason"]),
                         ({"reason": 12345678901}, ["/reason"]),
                         ({"reason": REASON, "evidence": "证" * 2001}, ["/evidence"]),
                         ({"reason": "短", "evidence": 5}, ["/evidence", "/reason"])):
        assert field_errors(appeal(http, base, ga, x.rating_id, body)) == fields, body
    r = appeal(http, base, ga, x.rating_id, raw=b"[1]")
    assert_problem(r, 400, "invalid_argument")
    assert sql(stack, f"SELECT COUNT(*) FROM rating_appeals WHERE rating_id IN "
                      f"({int(x.rating_id)}, {int(y.rating_id)})") == [["0"]]
    # at the limits: 10 characters with 2000 of evidence; 1000 characters; empty evidence
    r = appeal(http, base, ga, x.rating_id, {"reason": "理由" * 5, "evidence": "证" * 2000})
    assert r.status_code == 201 and r.json()["evidence"] == "证" * 2000, r.text
    r = appeal(http, base, ga, y.rating_id, {"reason": "理" * 1000, "evidence": ""})
    assert r.status_code == 201 and r.json()["evidence"] is None, r.text
    a = r.json()
    # the decision's body: decision exclude|keep, reason 5..1000
    for body, fields in (({}, ["/decision", "/reason"]),
                         ({"decision": "delete", "reason": "理由理由理由"}, ["/decision"]),
                         ({"decision": "keep", "reason": "理由四字"}, ["/reason"]),
                         ({"decision": "keep", "reason": "理" * 1001}, ["/reason"]),
                         ({"decision": True, "reason": "理由理由理由"}, ["/decision"])):
        r = call(http, base, "POST", f"{APPEALS}/{a['id']}/decision", operator.token, body)
        assert field_errors(r) == fields, body
    assert appeal_row(stack, a["id"]) == [["pending", "0", "", "1"]]
    r = decide(http, base, operator, a["id"], "keep", reason="理由五个字")
    assert r.status_code == 200 and r.json()["decision_reason"] == "理由五个字", r.text


def test_an_excluded_rating_cannot_be_appealed(stack, http, base, ga):
    x = Rated(stack, http, base, staff=ga)
    # excluded by hand (an earlier review of another system): no appeal makes sense any more
    sql(stack, f"UPDATE ratings SET excluded_at = NOW(3), excluded_reason = '省平台复核' "
               f"WHERE id = {int(x.rating_id)}")
    assert_problem(appeal(http, base, ga, x.rating_id), 409, "conflict")


# --- the operator's decision -----------------------------------------------------------------
def summary(http, base, code=GA_3):
    r = http.get(f"{base}/api/v1/services/{code}", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["rating"]


def totals(stack, code=GA_3):
    row = sql(stack, f"SELECT t.rating_count, t.score_sum FROM service_rating_totals t "
                     f"JOIN services s ON s.id = t.service_id WHERE s.code = {q(code)}")[0]
    return int(row[0]), int(row[1])


def served_summary_is(http, base, count, score_sum):
    want = {"average": round(score_sum / count + 1e-9, 2) if count else None, "count": count}
    wait_for(lambda: summary(http, base) == want, 5, what=f"rating summary {want}")


def test_the_operator_lists_and_keeps_a_rating_nothing_else_moves(stack, http, base, ga,
                                                                   operator):
    x = Rated(stack, http, base, staff=ga)
    a = appeal(http, base, ga, x.rating_id).json()
    pending = listed(http, base, operator, status="pending")
    assert pending[a["id"]] == a
    assert all(p["status"] == "pending" for p in pending.values())
    # newest first, page by page with the id cursor, nothing twice or left out
    items, sizes = all_pages(http, base, operator, APPEALS, limit=1, status="pending")
    ids = [int(i["id"]) for i in items]
    assert ids == sorted(set(ids), reverse=True) and set(map(str, ids)) == set(pending), ids
    assert set(sizes) == {1}, sizes
    assert_problem(http.get(base + APPEALS, params={"status": "open"},
                            headers={"Authorization": f"Bearer {operator.token}"}, timeout=30),
                   400, "invalid_argument")
    today = shanghai_today()
    before = snapshot(stack, http, base, today.replace(day=1), today)
    count_before = totals(stack)
    r = decide(http, base, operator, a["id"], "keep", reason="评价属实，予以保留。")
    assert r.status_code == 200, r.text
    kept = r.json()
    assert (kept["status"], kept["decided_by"], kept["decision_reason"]) == (
        "kept", operator.id, "评价属实，予以保留。"), kept
    assert kept["decided_at"], kept
    assert snapshot(stack, http, base, today.replace(day=1), today) == before
    assert totals(stack) == count_before
    assert rating_row(stack, x.rating_id) == [["1", "1", ""]]
    d = detail(http, base, x.citizen, x.no)["rating"]
    assert d["excluded_from_statistics"] is False and d["exclusion_reason"] is None, d
    # decided once: a second decision and a second appeal are 409
    assert_problem(decide(http, base, operator, a["id"], "exclude"), 409, "conflict")
    assert_problem(appeal(http, base, ga, x.rating_id), 409, "conflict")
    assert a["id"] in listed(http, base, operator, status="kept")
    assert a["id"] not in listed(http, base, operator, status="pending")
    assert [row[2] for row in audit(stack, x.no)] == ["rating.create", "rating.appeal",
                                                      "rating.keep"]
    assert audit(stack, x.no, "rating.keep")[0][:2] == ["operator", operator.id]


def contribution(score, closed, visited, satisfied):
    """What one rating of today adds to its department's and its service's month."""
    c = collections.Counter({"rating_count": 1, "score_sum": score, f"level_{score}": 1,
                             "bad_rating_count": int(score <= 2), "rectified_count": closed,
                             "return_visit_count": visited,
                             "return_visit_satisfied_count": satisfied})
    return {k: v for k, v in c.items() if v}


def test_excluding_takes_exactly_the_rating_out_of_every_figure(stack, http, base, ga, operator):
    today = shanghai_today()
    first, month = today.replace(day=1), today.isoformat()[:7]
    x = Rated(stack, http, base, staff=ga)
    assert resolve(http, base, ga, x.case["id"]).status_code == 200
    assert visit(http, base, x.citizen, x.no, satisfied=True).status_code == 200
    a = appeal(http, base, ga, x.rating_id).json()
    stack.admin("rebuild-stats")  # earlier tests' hand-made rows: counters equal the tables
    served_before, raw_before = snapshot(stack, http, base, first, today)
    assert served_before == raw_before
    count, score_sum = totals(stack)
    reason = "经核实，申请人误评。" + "理" * 990  # 1000 characters
    r = decide(http, base, operator, a["id"], "exclude", reason=reason)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision_reason"]) == ("excluded", reason), r.json()
    served_after, raw_after = snapshot(stack, http, base, first, today)
    assert served_after == raw_after, "the served figures equal the tables without the rating"
    want = contribution(1, 1, 1, 1)
    taken = change(served_before, served_after)  # Counters: what the exclusion took away
    assert {k: v for k, v in taken.items() if v} == {("GA", month): want,
                                                    ("service", month): want}, taken
    assert not any(change(served_after, served_before).values()), "nothing grew"
    assert totals(stack) == (count - 1, score_sum - 1)
    served_summary_is(http, base, count - 1, score_sum - 1)
    # the row stays, marked, and the citizen learns it left the statistics and why
    assert rating_row(stack, x.rating_id) == [["1", "0", reason]]
    d = detail(http, base, x.citizen, x.no)
    assert d["rating"]["id"] == x.rating_id and d["rating"]["score"] == 1, d["rating"]
    assert d["rating"]["excluded_from_statistics"] is True, d["rating"]
    assert d["rating"]["exclusion_reason"] == reason
    assert d["rectification"]["visit"] == "satisfied"
    assert appeal_row(stack, a["id"]) == [["excluded", operator.id, reason, "0"]]
    rows = audit(stack, x.no)
    assert [row[2] for row in rows] == ["rating.create", "rating.appeal", "rating.exclude"]
    actor, who, _, note = rows[-1]
    assert (actor, who) == ("operator", operator.id) and note.startswith(
        f"appeal {a['id']}: 经核实，申请人误评。") and len(note) == 255, note
    # decided: 409 to both; and the rebuild from the raw tables gives the same answers
    assert_problem(decide(http, base, operator, a["id"], "keep"), 409, "conflict")
    assert_problem(appeal(http, base, ga, x.rating_id), 409, "conflict")
    stack.admin("rebuild-stats")
    assert snapshot(stack, http, base, first, today)[0] == served_after


def test_a_case_closed_after_the_exclusion_counts_nowhere(stack, http, base, ga, operator):
    today = shanghai_today()
    first = today.replace(day=1)
    x = Rated(stack, http, base, staff=ga)
    a = appeal(http, base, ga, x.rating_id).json()
    assert decide(http, base, operator, a["id"], "exclude").status_code == 200
    stack.admin("rebuild-stats")
    served_before, _ = snapshot(stack, http, base, first, today)
    # the case is still the department's to answer, and the citizen's to visit
    assert resolve(http, base, ga, x.case["id"]).status_code == 200
    assert visit(http, base, x.citizen, x.no, satisfied=False).status_code == 200
    served_after, raw_after = snapshot(stack, http, base, first, today)
    assert served_after == served_before == raw_after


def test_an_exclusion_racing_the_cases_closing_and_visit_leaves_exact_figures(stack, http, base,
                                                                             ga, operator):
    """Whichever commits first, the figures end equal to the tables: a closing before the
    exclusion is subtracted with it, one after counts nowhere; a new rating of the service at
    the same time counts; none waits forever or fails (the locks are taken in one order)."""
    today = shanghai_today()
    first = today.replace(day=1)
    stack.admin("rebuild-stats")
    for _ in range(3):
        x = Rated(stack, http, base, staff=ga)
        a = appeal(http, base, ga, x.rating_id).json()
        other = bring_to(http, base, x.citizen, ga, "completed", GA_3)  # rated meanwhile
        answers = {}
        steps = {"decide": lambda: decide(http, base, operator, a["id"], "exclude"),
                 "resolve": lambda: resolve(http, base, ga, x.case["id"]),
                 "rate": lambda: call(http, base, "POST", f"/api/v1/applications/{other}/rating",
                                      x.citizen.token, {"score": 4})}
        threads = [threading.Thread(target=lambda k=k, f=f: answers.__setitem__(k, f()))
                   for k, f in steps.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {k: r.status_code for k, r in answers.items()} == {
            "decide": 200, "resolve": 200, "rate": 201}, (
            answers, [e for e in json_lines(stack.log_path("onewindow.log"))
                      if e.get("level") == "error"][-3:])  # a deadlock names its statement
        assert visit(http, base, x.citizen, x.no).status_code == 200
    served, raw = snapshot(stack, http, base, first, today)
    assert served == raw
