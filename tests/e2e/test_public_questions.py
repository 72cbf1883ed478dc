"""API.md §8 public questions (公开问答) through nginx: staff of a consultation's department
publish it, answered, as a question and answer they write for the public (personal data
removed, the asker never named); anyone lists the questions newest first, searches them with
the catalog's search engine (segmentation, synonyms: a colloquial wording finds a question
that never uses it) and reads one; staff retire one, and it leaves the list and the search.
Refusals: another department's ticket or question 404; a complaint or an unanswered
consultation 409 (the ticket's state, not the body); a second publication 409; text that
looks like a phone or ID number 400 with its pointer; limits at and past the edge."""
import threading

import pytest
import requests

from conftest import assert_problem
from helpers import field_errors, sql, wait_for
from people import API, GA_3, MZ_0, call, new_citizen, new_staff

QUESTIONS = API + "/questions"
STAFF = API + "/staff/feedback"
RETIRE = API + "/staff/questions/{}/retire"
KEYS = {"id", "question", "answer", "department", "service_code", "published_at"}
# what the citizen wrote, with their name and phone: never shown by a public question
ASKER_NAME, ASKER_PHONE = "王小明", "13912345678"
NOTE = {"kind": "consultation", "title": "孩子落户",
        "body": f"我是{ASKER_NAME}，电话{ASKER_PHONE}。孩子在外地出生，落户需要带什么？"}
PUBLIC = {"question": "新生儿落户需要带哪些材料？",
          "answer": "请携带出生医学证明和父母的居民户口簿，到户籍窗口办理出生登记。"
                    "有疑问可拨打12345热线。"}
# the colloquial wording (a synonym of the shipped dictionary: 上户口 → 出生登记, 新生儿落户),
# in neither the question nor the answer
COLLOQUIAL = "宝宝怎么上户口"
INDEX_DEADLINE_S = 5  # catalog_refresh_ms (1 s in config/test.conf) plus a rebuild


def ticket(stack, http, base, department="GA", kind="consultation", answered=True):
    """A ticket of a fresh citizen routed to department, answered by its staff; (ticket id,
    the staff member)."""
    c, staff = new_citizen(stack, http, base), new_staff(stack, http, base, department)
    r = call(http, base, "POST", API + "/feedback", c.token,
             dict(NOTE, kind=kind, department_code=department))
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    if answered:
        r = call(http, base, "POST", f"{STAFF}/{tid}/replies", staff.token,
                 {"body": f"{ASKER_NAME}您好，请携带出生医学证明办理。"})
        assert r.status_code == 200, r.text
    return tid, staff


def publish(http, base, staff, tid, expect=201, key=None, **body):
    r = call(http, base, "POST", f"{STAFF}/{tid}/publish", staff.token, dict(PUBLIC, **body),
             key=key)
    assert r.status_code == expect, r.text
    return r


def search(http, base, **params):
    r = http.get(base + QUESTIONS, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def found(http, base, qid, q):
    return qid in [x["id"] for x in search(http, base, q=q, limit=50)["items"]]


def on_every_worker(predicate):
    """True when predicate holds on several requests in a row: each worker has its own index
    (nginx spreads the requests over them)."""
    return lambda: all(predicate() for _ in range(6))


def test_a_published_question_is_public_and_names_nobody(stack, http, base):
    tid, ga = ticket(stack, http, base)
    r = publish(http, base, ga, tid, key="publish-1")
    q = r.json()
    assert set(q) == KEYS | {"retired_at"}, q
    assert (q["question"], q["answer"], q["department"], q["service_code"], q["retired_at"]) == \
        (PUBLIC["question"], PUBLIC["answer"], {"code": "GA", "name": "市公安局"}, None, None), q
    again = publish(http, base, ga, tid, key="publish-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == q
    # the public read: the staff's words only, nothing of the ticket or its asker
    r = http.get(f"{base}{QUESTIONS}/{q['id']}", timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "public, max-age=5"
    shown = r.json()
    assert set(shown) == KEYS and shown["id"] == q["id"], shown
    for secret in (ASKER_NAME, ASKER_PHONE, NOTE["body"]):
        assert secret not in r.text, secret
    # newest first at once (the list reads the database)
    assert search(http, base)["items"][0]["id"] == q["id"]
    assert sql(stack, "SELECT actor_type, actor_id, action, detail FROM audit_log "
                      f"WHERE target = 'question:{int(q['id'])}'") == \
        [["staff", ga.id, "question.publish", f"feedback:{int(tid)}"]]
    # one publication per ticket
    assert_problem(publish(http, base, ga, tid, expect=409), 409, "conflict")


def test_search_finds_it_by_a_colloquial_wording_within_seconds(stack, http, base):
    tid, ga = ticket(stack, http, base)
    qid = publish(http, base, ga, tid).json()["id"]
    assert COLLOQUIAL not in PUBLIC["question"] + PUBLIC["answer"]
    wait_for(on_every_worker(lambda: found(http, base, qid, COLLOQUIAL)), INDEX_DEADLINE_S,
             interval=0.1, what="the new question searchable")
    page = search(http, base, q=COLLOQUIAL, limit=50)
    assert page["page"] == 1 and page["total"] >= 1 and page["next_cursor"] is None, page
    # the filters: its department finds it, another does not; a service it is not about not
    assert found(http, base, qid, COLLOQUIAL)
    ids = lambda **p: [x["id"] for x in search(http, base, q=COLLOQUIAL, limit=50, **p)["items"]]
    assert qid in ids(department="GA") and qid not in ids(department="MZ")
    assert qid not in ids(service_code=GA_3)
    # text that names nothing of it finds nothing of it
    assert not found(http, base, qid, "营业执照注销")


def test_a_question_about_a_service_is_filtered_by_it(stack, http, base):
    tid, ga = ticket(stack, http, base)
    qid = publish(http, base, ga, tid, service_code=GA_3).json()["id"]
    assert [x["id"] for x in search(http, base, service_code=GA_3)["items"]][0] == qid
    wait_for(on_every_worker(lambda: qid in [x["id"] for x in search(
        http, base, q="出生医学证明", service_code=GA_3)["items"]]),
             INDEX_DEADLINE_S, interval=0.1, what="searchable by its service")
    # a service of another department is refused with its pointer
    tid2, ga2 = ticket(stack, http, base)
    r = publish(http, base, ga2, tid2, expect=400, service_code=MZ_0)
    assert "/service_code" in field_errors(r), r.text


def test_a_retired_question_leaves_the_list_and_the_search(stack, http, base):
    tid, ga = ticket(stack, http, base)
    qid = publish(http, base, ga, tid).json()["id"]
    wait_for(on_every_worker(lambda: found(http, base, qid, COLLOQUIAL)), INDEX_DEADLINE_S,
             interval=0.1, what="searchable")
    # another department's staff: 404 like an unknown id; a citizen: 403
    mz = new_staff(stack, http, base, "MZ")
    assert_problem(call(http, base, "POST", RETIRE.format(qid), mz.token), 404, "not_found")
    c = new_citizen(stack, http, base)
    assert call(http, base, "POST", RETIRE.format(qid), c.token).status_code == 403
    r = call(http, base, "POST", RETIRE.format(qid), ga.token)
    assert r.status_code == 200 and r.json()["retired_at"], r.text
    assert_problem(call(http, base, "POST", RETIRE.format(qid), ga.token), 409, "conflict")
    assert_problem(http.get(f"{base}{QUESTIONS}/{qid}", timeout=30), 404, "not_found")
    assert qid not in [x["id"] for x in search(http, base, limit=50)["items"]]
    wait_for(on_every_worker(lambda: not found(http, base, qid, COLLOQUIAL)), INDEX_DEADLINE_S,
             interval=0.1, what="the retired question gone from the search")
    assert sql(stack, "SELECT action FROM audit_log "
                      f"WHERE target = 'question:{int(qid)}' ORDER BY id") == \
        [["question.publish"], ["question.retire"]]


def test_only_an_answered_consultation_of_ones_department(stack, http, base):
    tid, ga = ticket(stack, http, base)
    mz = new_staff(stack, http, base, "MZ")
    assert_problem(publish(http, base, mz, tid, expect=404), 404, "not_found")
    assert_problem(publish(http, base, ga, "999999999999", expect=404), 404, "not_found")
    complaint, ga2 = ticket(stack, http, base, kind="complaint")
    assert_problem(publish(http, base, ga2, complaint, expect=409), 409, "conflict")
    unanswered, ga3 = ticket(stack, http, base, answered=False)
    assert_problem(publish(http, base, ga3, unanswered, expect=409), 409, "conflict")
    # a citizen cannot publish, not even their own ticket
    c = new_citizen(stack, http, base)
    r = call(http, base, "POST", API + "/feedback", c.token, NOTE)
    assert r.status_code == 201, r.text
    assert call(http, base, "POST", f"{STAFF}/{r.json()['id']}/publish", c.token,
                PUBLIC).status_code == 403
    assert sql(stack, "SELECT COUNT(*) FROM public_questions WHERE ticket_id IN "
                      f"({int(tid)}, {int(complaint)}, {int(unanswered)})") == [["0"]]


@pytest.mark.parametrize("field,text", [
    ("question", "请问13800138000这个号码能办吗？"),
    ("question", "电话 138 0013 8000 打不通"),
    ("answer", "已核实身份证号11010119900307457X的信息。"),
    ("answer", "请致电021-62288888咨询。"),
    ("answer", "请致电１３８００１３８０００咨询。"),  # full-width digits
])
def test_text_that_looks_like_a_phone_or_id_number_is_refused(stack, http, base, field, text):
    tid, ga = ticket(stack, http, base)
    r = publish(http, base, ga, tid, expect=400, **{field: text})
    assert "/" + field in field_errors(r), r.text


def test_limits_at_and_past_the_edge(stack, http, base):
    tid, ga = ticket(stack, http, base)
    for body, pointer in (({"question": "问" * 501}, "/question"),
                          ({"answer": "答" * 4001}, "/answer"),
                          ({"question": ""}, "/question"),
                          ({"answer": ""}, "/answer"),
                          ({"service_code": "X" * 65}, "/service_code")):
        assert pointer in field_errors(publish(http, base, ga, tid, expect=400, **body)), body
    r = call(http, base, "POST", f"{STAFF}/{tid}/publish", ga.token, {"answer": "答"})
    assert "/question" in field_errors(r), r.text
    q = publish(http, base, ga, tid, question="问" * 500, answer="答" * 4000).json()
    assert (len(q["question"]), len(q["answer"])) == (500, 4000)


@pytest.mark.parametrize("params,name", [
    ({"limit": 51}, "limit"), ({"limit": 0}, "limit"), ({"q": "落" * 65}, "q"),
    ({"department": "NOPE"}, "department"), ({"page": 2}, "page"),
    ({"q": "落户", "cursor": "MTA"}, "cursor"), ({"q": "落户", "page": 5001}, "page"),
    ({"q": "落户", "page": 101, "limit": 50}, "page"), ({"cursor": "!!"}, "cursor"),
])
def test_a_bad_query_names_the_parameter(stack, http, base, params, name):
    r = http.get(base + QUESTIONS, params=params, timeout=30)
    assert_problem(r, 400, "invalid_argument")
    assert name in field_errors(r), r.text


def test_query_limits_at_the_edge_and_paging(stack, http, base):
    assert search(http, base, limit=50, q="落" * 64)["page"] == 1
    assert search(http, base, q="落户", page=100, limit=50)["page"] == 100
    # three questions paged one by one by cursor, newest first
    mine = []
    for _ in range(3):
        tid, ga = ticket(stack, http, base)
        mine.append(publish(http, base, ga, tid).json()["id"])
    seen, cursor = [], None
    while len(seen) < 3:
        page = search(http, base, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        assert cursor
    assert seen == mine[::-1]


def test_unknown_ids_are_404(http, base):
    for bad in ("0", "abc", "999999999999"):
        assert_problem(http.get(f"{base}{QUESTIONS}/{bad}", timeout=30), 404, "not_found")


def test_racing_publications_of_one_ticket_make_one(stack, http, base):
    """Two staff members (or one client retrying with new keys) at once: the ticket's row lock
    and the unique ticket key let one publication in; the others are 409."""
    tid, ga = ticket(stack, http, base)
    answers = []

    def one():
        with requests.Session() as s:
            answers.append(call(s, base, "POST", f"{STAFF}/{tid}/publish", ga.token,
                                PUBLIC).status_code)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * 5, answers
    assert sql(stack, f"SELECT COUNT(*) FROM public_questions WHERE ticket_id = {int(tid)}") == \
        [["1"]]


def test_the_api_account_cannot_delete_a_public_question(stack):
    line = [g[0] for g in sql(stack, "SHOW GRANTS FOR 'onewindow_api'@'localhost'")
            if "`public_questions`" in g[0]]
    assert line and "DELETE" not in line[0], line
