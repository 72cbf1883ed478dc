"""API.md §6 for citizens, through nginx: push devices (registration found again by the
token's SHA-256, a token moving between citizens, the limit of 20 active devices, DELETE that
only deactivates and is idempotent), WeChat subscribe grants (added up, at most 50 kept), the
notification settings, the inbox (newest first, unread filter, cursor paging, the unread
count, read and read-all) and the fan-out every application step writes into the outbox: one
row per active device when push is on, one per WeChat grant of the configured template
(config/test.conf wechat_status_template), and an SMS when the citizen opted in or the step
is need_materials. Another citizen's device or notification is 404; staff tokens are 403.

Every test makes its own citizens, so the tests do not depend on each other. A delivery
worker (onewindow-pushd) may be running on the stack: outbox rows are checked as written
(pending), or as taken by a worker since."""
import concurrent.futures
import hashlib
import json
import secrets

import pytest
import requests

from conftest import assert_problem
from helpers import sql
from people import (API, GA_3, RFC3339_UTC, all_pages, app_id, call, new_citizen, new_staff,
                    q, staff_step, submitted, supplement)
from helpers import field_errors

DEVICES = API + "/devices"
SUBSCRIPTIONS = API + "/subscriptions"
INBOX = API + "/notifications"
UNREAD = INBOX + "/unread-count"
READ_ALL = INBOX + "/read-all"
SETTINGS = API + "/me/notification-settings"

DEVICES_MAX = 20
TOKEN_MAX = 512
TEMPLATE_MAX = 64
GRANTS_PER_CALL = 10
GRANTS_KEPT = 50
STATUS_TEMPLATE = "tmpl-status-test"  # config/test.conf wechat_status_template
ITEM_KEYS = {"id", "kind", "title", "body", "created_at", "read_at"}
REALM = 'Bearer realm="onewindow"'


def new_token(prefix="tok"):
    return f"{prefix}-{secrets.token_hex(32)}"


def register(http, base, who, token, platform="apns", **kw):
    return call(http, base, "POST", DEVICES, who.token, {"platform": platform, "token": token},
                **kw)


def registered(http, base, who, token, platform="apns"):
    r = register(http, base, who, token, platform)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id"} and isinstance(body["id"], str) and body["id"].isdigit(), body
    return body["id"]


def delete(http, base, who, device_id):
    return call(http, base, "DELETE", f"{DEVICES}/{device_id}", who.token)


def device_row(stack, device_id):
    """citizen_id, platform, token, hex of token_hash, active."""
    rows = sql(stack, f"SELECT citizen_id, platform, token, LOWER(HEX(token_hash)), active "
                      f"FROM devices WHERE id = {int(device_id)}")
    assert len(rows) == 1, (device_id, rows)
    return rows[0]


def active_devices(stack, citizen):
    return int(sql(stack, f"SELECT COUNT(*) FROM devices WHERE citizen_id = {int(citizen.id)} "
                          f"AND active = 1")[0][0])


def subscribe(http, base, who, template, count, **kw):
    return call(http, base, "POST", SUBSCRIPTIONS, who.token,
                {"template_id": template, "count": count}, **kw)


def remaining_after(http, base, who, template, count):
    r = subscribe(http, base, who, template, count)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {"template_id": template, "remaining": body["remaining"]}, body
    return body["remaining"]


def settings_of(http, base, who):
    r = call(http, base, "GET", SETTINGS, who.token)
    assert r.status_code == 200, r.text
    return r.json()


def put_settings(http, base, who, body):
    return call(http, base, "PUT", SETTINGS, who.token, body)


def inbox(http, base, who, **params):
    r = http.get(base + INBOX, params=params, headers={"Authorization": f"Bearer {who.token}"},
                 timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "next_cursor"}, body
    return body


def unread_count(http, base, who):
    r = call(http, base, "GET", UNREAD, who.token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"count"} and isinstance(body["count"], int), body
    return body["count"]


def mark_read(http, base, who, notification_id):
    return call(http, base, "POST", f"{INBOX}/{notification_id}/read", who.token)


def assert_item(item, application_no=None):
    keys = ITEM_KEYS | ({"application_no"} if application_no else set())
    assert set(item) == keys, item
    assert isinstance(item["id"], str) and item["id"].isdigit(), item
    assert RFC3339_UTC.match(item["created_at"]), item
    assert item["read_at"] is None or RFC3339_UTC.match(item["read_at"]), item
    if application_no:
        assert item["application_no"] == application_no, item


def outbox_rows(stack, notification_id):
    """The deliveries of a notification: dicts of channel, target_id, target_ref, citizen_id,
    delivery_id, status, attempts."""
    rows = sql(stack, f"SELECT channel, COALESCE(target_id, ''), COALESCE(target_ref, ''), "
                      f"citizen_id, delivery_id, status, attempts FROM outbox "
                      f"WHERE notification_id = {int(notification_id)} ORDER BY id")
    names = ("channel", "target_id", "target_ref", "citizen_id", "delivery_id", "status",
             "attempts")
    return [dict(zip(names, row)) for row in rows]


def assert_deliveries(stack, notification_id, citizen, expected):
    """The outbox rows of a notification are exactly expected: {(channel, target_id or '',
    target_ref or '')}; each for the citizen, with its own 36-character delivery id,
    pending as written (or tried by a delivery worker since)."""
    rows = outbox_rows(stack, notification_id)
    got = sorted((o["channel"], o["target_id"], o["target_ref"]) for o in rows)
    assert got == sorted(expected), (notification_id, rows)
    ids = [o["delivery_id"] for o in rows]
    assert len(set(ids)) == len(ids) and all(len(i) == 36 for i in ids), rows
    for o in rows:
        assert o["citizen_id"] == str(citizen.id), o
        assert o["status"] == "pending" or int(o["attempts"]) > 0, o


def newest_notification(http, base, who, application_no):
    """The newest inbox item, which must be about application_no."""
    items = inbox(http, base, who, limit=1)["items"]
    assert items, "empty inbox"
    assert_item(items[0], application_no)
    assert items[0]["read_at"] is None, items[0]
    return items[0]


# --- devices -------------------------------------------------------------------------------
def test_device_registration_is_found_again_by_its_token(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    token = new_token()
    first = registered(http, base, c, token)
    assert registered(http, base, c, token) == first
    row = device_row(stack, first)
    assert row == [c.id, "apns", token, hashlib.sha256(token.encode()).hexdigest(), "1"], row
    # the same token on another platform is another device
    hms = registered(http, base, c, token, "hms")
    assert hms != first and device_row(stack, hms)[1] == "hms"
    jpush = registered(http, base, c, new_token(), "jpush")
    assert len({first, hms, jpush}) == 3
    assert active_devices(stack, c) == 3
    # replayed under an Idempotency-Key: the same answer, nothing more
    key = "dev-" + secrets.token_hex(8)
    token2 = new_token()
    a = register(http, base, c, token2, "apns", key=key)
    b = register(http, base, c, token2, "apns", key=key)
    assert a.status_code == b.status_code == 201 and a.json() == b.json(), (a.text, b.text)
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert active_devices(stack, c) == 4


def test_device_token_moves_to_the_citizen_who_registers_it(base, http, stack):
    a = new_citizen(stack, http, base, verified=False)
    b = new_citizen(stack, http, base, verified=False)
    token = new_token("moving")
    device = registered(http, base, a, token, "hms")
    assert registered(http, base, b, token, "hms") == device
    assert device_row(stack, device)[0] == b.id and device_row(stack, device)[4] == "1"
    assert active_devices(stack, a) == 0
    assert_problem(delete(http, base, a, device), 404, "not_found")
    assert device_row(stack, device)[4] == "1"
    # b removes it; a takes it back: moved and active again
    assert delete(http, base, b, device).status_code == 204
    assert registered(http, base, a, token, "hms") == device
    assert device_row(stack, device)[0] == a.id and device_row(stack, device)[4] == "1"


def test_device_delete_deactivates_and_is_idempotent(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    other = new_citizen(stack, http, base, verified=False)
    token = new_token()
    device = registered(http, base, c, token, "jpush")
    theirs = registered(http, base, other, new_token(), "apns")
    r = delete(http, base, c, device)
    assert r.status_code == 204 and r.content == b"", r.text
    assert device_row(stack, device)[4] == "0"  # the row stays, inactive
    for _ in range(2):  # nginx may retry a DELETE
        assert delete(http, base, c, device).status_code == 204
    # another citizen's, unknown and malformed ids look the same
    assert_problem(delete(http, base, c, theirs), 404, "not_found")
    assert device_row(stack, theirs)[4] == "1"
    top = int(sql(stack, "SELECT COALESCE(MAX(id), 0) FROM devices")[0][0])
    for bad in (top + 1000, 0, -1, "01", "1.5", "abc", "1e3", "%20", "9" * 19, "9" * 20,
                "18446744073709551616", f"{device}x"):
        assert_problem(delete(http, base, c, bad), 404, "not_found")
    # registering it again brings the same row back
    assert registered(http, base, c, token, "jpush") == device
    assert device_row(stack, device)[4] == "1"
    r = call(http, base, "GET", f"{DEVICES}/{device}", c.token)
    assert_problem(r, 405, "method_not_allowed")
    assert "DELETE" in r.headers["Allow"], r.headers


def test_at_most_twenty_active_devices(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    tokens = [new_token(f"d{i}") for i in range(DEVICES_MAX)]
    ids = [registered(http, base, c, t, ("apns", "hms", "jpush")[i % 3])
           for i, t in enumerate(tokens)]
    assert len(set(ids)) == DEVICES_MAX and active_devices(stack, c) == DEVICES_MAX
    extra = new_token("extra")
    body = assert_problem(register(http, base, c, extra), 409, "conflict")
    assert "20" in body["detail"], body
    r = call(http, base, "POST", DEVICES, c.token, {"platform": "apns", "token": extra},
             headers={"Accept-Language": "en"})
    assert "20 devices" in assert_problem(r, 409, "conflict")["detail"]
    assert sql(stack, f"SELECT COUNT(*) FROM devices WHERE token_hash = "
                      f"UNHEX(SHA2({q(extra)}, 256))") == [["0"]]
    # one already registered is found again at the limit
    assert registered(http, base, c, tokens[3], "apns") == ids[3]
    # a token moving in from another citizen counts too, and stays where it was
    other = new_citizen(stack, http, base, verified=False)
    theirs = new_token("theirs")
    their_id = registered(http, base, other, theirs)
    assert_problem(register(http, base, c, theirs), 409, "conflict")
    assert device_row(stack, their_id)[0] == other.id
    # removing one makes room; reactivating needs room as well
    assert delete(http, base, c, ids[0]).status_code == 204
    new_id = registered(http, base, c, extra)
    assert active_devices(stack, c) == DEVICES_MAX
    assert_problem(register(http, base, c, tokens[0], "apns"), 409, "conflict")
    assert device_row(stack, ids[0])[4] == "0"
    assert delete(http, base, c, new_id).status_code == 204
    assert registered(http, base, c, tokens[0], "apns") == ids[0]


def test_parallel_registrations_keep_the_limit_and_one_row_per_token(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    tokens = [new_token(f"p{i}") for i in range(DEVICES_MAX + 6)]

    def post(token):
        with requests.Session() as s:
            return register(s, base, c, token)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, tokens))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * DEVICES_MAX + [409] * 6, codes
    assert active_devices(stack, c) == DEVICES_MAX
    # the same new token from eight requests at once: one row, one id
    other = new_citizen(stack, http, base, verified=False)
    token = new_token("same")

    def post_same(_):
        with requests.Session() as s:
            return register(s, base, other, token, "hms")
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post_same, range(8)))
    assert all(r.status_code == 201 for r in answers), [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1, [r.text for r in answers]
    assert active_devices(stack, other) == 1


def test_device_validation(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    good = new_token()
    cases = [
        ({}, ["/platform", "/token"]),
        ({"token": good}, ["/platform"]),
        ({"platform": "apns"}, ["/token"]),
        ({"platform": "APNS", "token": good}, ["/platform"]),
        ({"platform": "fcm", "token": good}, ["/platform"]),
        ({"platform": "", "token": good}, ["/platform"]),
        ({"platform": 1, "token": good}, ["/platform"]),
        ({"platform": None, "token": good}, ["/platform"]),
        ({"platform": "apns", "token": ""}, ["/token"]),
        ({"platform": "apns", "token": "a" * (TOKEN_MAX + 1)}, ["/token"]),
        ({"platform": "apns", "token": "two words"}, ["/token"]),
        ({"platform": "apns", "token": "tab\there"}, ["/token"]),
        ({"platform": "apns", "token": "line\n"}, ["/token"]),
        ({"platform": "apns", "token": "令牌"}, ["/token"]),
        ({"platform": "apns", "token": "caf\u00e9"}, ["/token"]),
        ({"platform": "apns", "token": "del\x7f"}, ["/token"]),
        ({"platform": "apns", "token": 12345}, ["/token"]),
        ({"platform": "apns", "token": ["x"]}, ["/token"]),
    ]
    for body, fields in cases:
        r = call(http, base, "POST", DEVICES, c.token, body)
        assert field_errors(r) == fields, (body, r.text)
    r = call(http, base, "POST", DEVICES, c.token, ["apns", good])
    assert field_errors(r) == [""], r.text
    r = call(http, base, "POST", DEVICES, c.token, raw=b'{"platform": "apns", "token": ')
    assert_problem(r, 400, "invalid_json")
    r = call(http, base, "POST", DEVICES, c.token, raw=json.dumps(
        {"platform": "apns", "token": good}).encode(), headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported_media_type")
    assert active_devices(stack, c) == 0
    # the edges that are accepted: 1 and 512 characters, '!' and '~'
    for token in ("x", secrets.token_hex(TOKEN_MAX // 2), "!" + secrets.token_hex(4) + "~"):
        registered(http, base, c, token, "hms")
    assert active_devices(stack, c) == 3


# --- WeChat subscribe grants -----------------------------------------------------------------
def test_subscription_grants_add_up_to_fifty(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    t1, t2 = "tmpl_" + secrets.token_hex(4), "T-" + secrets.token_hex(4)
    assert remaining_after(http, base, c, t1, 3) == 3
    assert remaining_after(http, base, c, t1, 10) == 13
    assert remaining_after(http, base, c, t2, 1) == 1  # per template
    for expected in (23, 33, 43, 50, 50):
        assert remaining_after(http, base, c, t1, GRANTS_PER_CALL) == expected
    rows = sql(stack, f"SELECT template_id, remaining FROM wechat_grants "
                      f"WHERE citizen_id = {int(c.id)} ORDER BY template_id")
    assert sorted(rows) == sorted([[t1, "50"], [t2, "1"]]), rows
    # a replay under its key does not add again
    key = "sub-" + secrets.token_hex(8)
    a = subscribe(http, base, c, t2, 2, key=key)
    b = subscribe(http, base, c, t2, 2, key=key)
    assert a.status_code == b.status_code == 201 and a.content == b.content, (a.text, b.text)
    assert a.json() == {"template_id": t2, "remaining": 3}
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert remaining_after(http, base, c, t2, 1) == 4
    # another citizen's grants are their own
    other = new_citizen(stack, http, base, verified=False)
    assert remaining_after(http, base, other, t1, 1) == 1


def test_subscription_validation(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    cases = [
        ({}, ["/count", "/template_id"]),
        ({"template_id": "t"}, ["/count"]),
        ({"count": 1}, ["/template_id"]),
        ({"template_id": "", "count": 1}, ["/template_id"]),
        ({"template_id": "t" * (TEMPLATE_MAX + 1), "count": 1}, ["/template_id"]),
        ({"template_id": "tmpl.x", "count": 1}, ["/template_id"]),
        ({"template_id": "tmpl x", "count": 1}, ["/template_id"]),
        ({"template_id": "模板", "count": 1}, ["/template_id"]),
        ({"template_id": 7, "count": 1}, ["/template_id"]),
        ({"template_id": "t", "count": 0}, ["/count"]),
        ({"template_id": "t", "count": GRANTS_PER_CALL + 1}, ["/count"]),
        ({"template_id": "t", "count": -1}, ["/count"]),
        ({"template_id": "t", "count": 1.5}, ["/count"]),
        ({"template_id": "t", "count": "3"}, ["/count"]),
        ({"template_id": "t", "count": True}, ["/count"]),
        ({"template_id": "t", "count": None}, ["/count"]),
    ]
    for body, fields in cases:
        r = call(http, base, "POST", SUBSCRIPTIONS, c.token, body)
        assert field_errors(r) == fields, (body, r.text)
    assert sql(stack, f"SELECT COUNT(*) FROM wechat_grants WHERE citizen_id = {int(c.id)}") \
        == [["0"]]
    edge = "aZ09_-" + "x" * (TEMPLATE_MAX - 6)
    assert remaining_after(http, base, c, edge, 1) == 1
    assert remaining_after(http, base, c, edge, GRANTS_PER_CALL) == 11


# --- settings --------------------------------------------------------------------------------
def test_notification_settings(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    assert settings_of(http, base, c) == {"push": True, "sms": False}
    for push, sms in ((False, True), (True, True), (False, False), (True, False)):
        r = put_settings(http, base, c, {"push": push, "sms": sms})
        assert r.status_code == 200, r.text
        assert r.json() == {"push": push, "sms": sms}
        assert settings_of(http, base, c) == {"push": push, "sms": sms}
    assert put_settings(http, base, c, {"push": False, "sms": True}).status_code == 200
    other = new_citizen(stack, http, base, verified=False)
    assert settings_of(http, base, other) == {"push": True, "sms": False}
    cases = [
        ({}, ["/push", "/sms"]),
        ({"push": True}, ["/sms"]),
        ({"sms": False}, ["/push"]),
        ({"push": "true", "sms": False}, ["/push"]),
        ({"push": 1, "sms": 0}, ["/push", "/sms"]),
        ({"push": None, "sms": True}, ["/push"]),
    ]
    for body, fields in cases:
        assert field_errors(put_settings(http, base, c, body)) == fields, body
    assert field_errors(put_settings(http, base, c, [True, False])) == [""]
    assert settings_of(http, base, c) == {"push": False, "sms": True}


# --- the inbox -------------------------------------------------------------------------------
def test_inbox_lists_own_notifications_newest_first_with_paging(base, http, stack):
    c = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    numbers = [submitted(http, base, c, GA_3)["application_no"] for _ in range(5)]
    submitted(http, base, other, GA_3)
    body = inbox(http, base, c)
    assert body["next_cursor"] is None
    items = body["items"]
    assert [i["application_no"] for i in items] == numbers[::-1], items
    ids = [int(i["id"]) for i in items]
    assert ids == sorted(ids, reverse=True), ids
    for item, no in zip(items, numbers[::-1]):
        assert_item(item, no)
        assert item["kind"] == "application" and item["title"] == "申请已提交", item
        assert no in item["body"] and item["read_at"] is None, item
        assert "bundle_no" not in item, "an application of its own belongs to no bundle"
    items2, sizes = all_pages(http, base, c, INBOX, limit=2)
    assert items2 == items and sizes == [2, 2, 1], sizes
    items3, sizes = all_pages(http, base, c, INBOX, limit=5)
    assert items3 == items and sizes[0] == 5, sizes
    # a notification between two pages neither repeats nor skips anything
    first = inbox(http, base, c, limit=3)
    newer = submitted(http, base, c, GA_3)["application_no"]
    second = inbox(http, base, c, limit=3, cursor=first["next_cursor"])
    assert [i["id"] for i in first["items"] + second["items"]] == [i["id"] for i in items]
    assert second["next_cursor"] is None
    assert inbox(http, base, c, limit=1)["items"][0]["application_no"] == newer
    # a notification about no application has no application_no
    sql(stack, f"INSERT INTO notifications (citizen_id, kind, title, body) "
               f"VALUES ({int(c.id)}, 'system', 'Maintenance', 'Tonight from 22:00')")
    top = inbox(http, base, c, limit=1)["items"][0]
    assert_item(top)
    assert (top["kind"], top["title"], top["body"]) == ("system", "Maintenance",
                                                        "Tonight from 22:00")
    assert unread_count(http, base, c) == 7
    assert unread_count(http, base, other) == 1


def test_read_one_read_all_and_the_unread_filter(base, http, stack):
    c = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    for _ in range(4):
        submitted(http, base, c, GA_3)
    theirs = submitted(http, base, other, GA_3)["application_no"]
    items = inbox(http, base, c)["items"]
    assert len(items) == 4 and unread_count(http, base, c) == 4
    target = items[1]
    r = mark_read(http, base, c, target["id"])
    assert r.status_code == 204 and r.content == b"", r.text
    assert unread_count(http, base, c) == 3
    after = inbox(http, base, c)["items"]
    read = [i for i in after if i["id"] == target["id"]][0]
    assert RFC3339_UTC.match(read["read_at"]), read
    assert all(i["read_at"] is None for i in after if i["id"] != target["id"]), after
    unread = inbox(http, base, c, unread="true")["items"]
    assert [i["id"] for i in unread] == [i["id"] for i in items if i["id"] != target["id"]]
    assert inbox(http, base, c, unread="false")["items"] == after
    # unread pages follow the cursor too
    pages, sizes = all_pages(http, base, c, INBOX, limit=2, unread="true")
    assert [i["id"] for i in pages] == [i["id"] for i in unread] and sizes == [2, 1], sizes
    # reading again keeps the first time
    sql(stack, f"SET time_zone = '+00:00'; UPDATE notifications "
               f"SET read_at = '2026-01-02 03:04:05' WHERE id = {int(target['id'])}")
    assert mark_read(http, base, c, target["id"]).status_code == 204
    read = [i for i in inbox(http, base, c)["items"] if i["id"] == target["id"]][0]
    assert read["read_at"] == "2026-01-02T03:04:05Z", read
    # another citizen's, unknown and malformed ids look the same
    their_item = newest_notification(http, base, other, theirs)
    assert_problem(mark_read(http, base, c, their_item["id"]), 404, "not_found")
    assert unread_count(http, base, other) == 1
    top = int(sql(stack, "SELECT MAX(id) FROM notifications")[0][0])
    for bad in (top + 1000, 0, "01", "x", "-5", "9" * 20):
        assert_problem(mark_read(http, base, c, bad), 404, "not_found")
    # read-all: everything of the caller's, nothing of anyone else's
    r = call(http, base, "POST", READ_ALL, c.token)
    assert r.status_code == 204 and r.content == b"", r.text
    assert unread_count(http, base, c) == 0
    assert inbox(http, base, c, unread="true") == {"items": [], "next_cursor": None}
    assert all(i["read_at"] for i in inbox(http, base, c)["items"])
    assert call(http, base, "POST", READ_ALL, c.token).status_code == 204
    assert unread_count(http, base, other) == 1
    # a JSON body is allowed and ignored
    assert call(http, base, "POST", READ_ALL, other.token, {}).status_code == 204
    assert unread_count(http, base, other) == 0


def test_inbox_bad_parameters(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    for params, field in (({"unread": "yes"}, "unread"), ({"unread": "1"}, "unread"),
                          ({"unread": "TRUE"}, "unread"), ({"limit": "0"}, "limit"),
                          ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit"),
                          ({"cursor": "!!"}, "cursor"), ({"cursor": "eA"}, "cursor"),
                          ({"cursor": "MA"}, "cursor"), ({"cursor": "LTE"}, "cursor"),
                          ({"cursor": "x" * 200}, "cursor")):
        r = http.get(base + INBOX, params=params,
                     headers={"Authorization": f"Bearer {c.token}"}, timeout=30)
        assert field_errors(r) == [field], (params, r.text)
    assert inbox(http, base, c, limit=100) == {"items": [], "next_cursor": None}
    assert inbox(http, base, c, limit=1, unread="true") == {"items": [], "next_cursor": None}
    assert unread_count(http, base, c) == 0


# --- the fan-out of an application step ------------------------------------------------------
def test_a_step_fans_out_to_devices_grants_and_sms(base, http, stack):
    c = new_citizen(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    apns = registered(http, base, c, new_token("fan-apns"), "apns")
    hms = registered(http, base, c, new_token("fan-hms"), "hms")
    gone = registered(http, base, c, new_token("fan-gone"), "jpush")
    assert delete(http, base, c, gone).status_code == 204
    assert remaining_after(http, base, c, STATUS_TEMPLATE, GRANTS_PER_CALL) == 10
    assert remaining_after(http, base, c, "tmpl-unused", 5) == 5  # not the configured one
    # someone else's device never gets this citizen's messages
    other = new_citizen(stack, http, base, verified=False)
    registered(http, base, other, new_token("fan-other"), "apns")

    no = submitted(http, base, c, GA_3)["application_no"]
    submitted_note = newest_notification(http, base, c, no)
    assert unread_count(http, base, c) == 1
    devices_and_grant = {("apns", apns, ""), ("hms", hms, ""), ("wechat", "", STATUS_TEMPLATE)}
    assert_deliveries(stack, submitted_note["id"], c, devices_and_grant)

    staff_step(http, base, staff, no, "accepted")
    accepted = newest_notification(http, base, c, no)
    assert accepted["title"] == "申请已受理" and accepted["id"] != submitted_note["id"]
    assert unread_count(http, base, c) == 2
    assert_deliveries(stack, accepted["id"], c, devices_and_grant)
    assert int(sql(stack, f"SELECT COUNT(*) FROM notifications "
                          f"WHERE application_id = {app_id(stack, no)}")[0][0]) == 2

    # need_materials always goes by SMS as well
    no2 = submitted(http, base, c, GA_3)["application_no"]
    staff_step(http, base, staff, no2, "need_materials", note="请补充身份证复印件")
    asked = newest_notification(http, base, c, no2)
    assert asked["title"] == "请补齐补正材料" and "请补充身份证复印件" in asked["body"]
    assert_deliveries(stack, asked["id"], c, devices_and_grant | {("sms", "", "")})
    assert unread_count(http, base, c) == 4

    # push off and SMS on: no device rows, an SMS for every step; the grant still counts
    assert put_settings(http, base, c, {"push": False, "sms": True}).status_code == 200
    r = supplement(http, base, c, no2)
    assert r.status_code == 200, r.text
    resubmitted = newest_notification(http, base, c, no2)
    assert resubmitted["title"] == "材料已补正"
    assert_deliveries(stack, resubmitted["id"], c,
                      {("wechat", "", STATUS_TEMPLATE), ("sms", "", "")})
    # push on again, SMS off, one device removed: only the device left (and the grant)
    assert put_settings(http, base, c, {"push": True, "sms": False}).status_code == 200
    assert delete(http, base, c, hms).status_code == 204
    staff_step(http, base, staff, no2, "accepted")
    last = newest_notification(http, base, c, no2)
    assert_deliveries(stack, last["id"], c, {("apns", apns, ""), ("wechat", "", STATUS_TEMPLATE)})
    assert unread_count(http, base, c) == 6

    # reading changes the count; read-all clears it
    assert mark_read(http, base, c, accepted["id"]).status_code == 204
    assert unread_count(http, base, c) == 5
    assert call(http, base, "POST", READ_ALL, c.token).status_code == 204
    assert unread_count(http, base, c) == 0
    # every delivery id of this citizen is unique
    ids = sql(stack, f"SELECT delivery_id FROM outbox WHERE citizen_id = {int(c.id)}")
    # submitted 3, accepted 3, submitted 3, need_materials 4, supplement 2, accepted 2
    assert len(ids) == len({i[0] for i in ids}) == 17, ids


def test_a_citizen_without_devices_or_grants_gets_only_the_inbox_item(base, http, stack):
    c = new_citizen(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    assert remaining_after(http, base, c, STATUS_TEMPLATE, 1) == 1
    sql(stack, f"UPDATE wechat_grants SET remaining = 0 WHERE citizen_id = {int(c.id)}")
    no = submitted(http, base, c, GA_3)["application_no"]
    staff_step(http, base, staff, no, "accepted")
    item = newest_notification(http, base, c, no)
    assert_deliveries(stack, item["id"], c, set())  # a used-up grant sends nothing


# --- who may call ----------------------------------------------------------------------------
def test_routes_refuse_staff_and_anonymous_callers(base, http, stack):
    c = new_citizen(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    device = registered(http, base, c, new_token("auth"))
    no = submitted(http, base, c, GA_3)["application_no"]
    note = newest_notification(http, base, c, no)["id"]
    routes = [("POST", DEVICES, {"platform": "apns", "token": new_token()}),
              ("DELETE", f"{DEVICES}/{device}", None),
              ("POST", SUBSCRIPTIONS, {"template_id": "t", "count": 1}),
              ("GET", INBOX, None), ("GET", UNREAD, None),
              ("POST", f"{INBOX}/{note}/read", None), ("POST", READ_ALL, None),
              ("GET", SETTINGS, None), ("PUT", SETTINGS, {"push": False, "sms": True})]
    for method, path, body in routes:
        kw = {} if body is None else {"body": body}
        assert_problem(call(http, base, method, path, staff.token, **kw), 403, "forbidden")
        r = call(http, base, method, path, None, **kw)
        assert_problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate") == REALM, (path, r.headers)
    assert device_row(stack, device)[4] == "1"
    assert unread_count(http, base, c) == 1
    assert settings_of(http, base, c) == {"push": True, "sms": False}
    assert active_devices(stack, c) == 1


# --- query plans -----------------------------------------------------------------------------
def test_inbox_queries_are_index_range_scans(base, http, stack):
    c = new_citizen(stack, http, base)
    for _ in range(3):
        submitted(http, base, c, GA_3)
    p = stack.admin("explain-queries", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    plans = {line["query"]: line["plan"] for line in map(json.loads, p.stdout.splitlines())
             if line["query"].startswith("inbox")}
    want = {"inbox": "notifications_citizen", "inbox, unread only": "notifications_unread",
            "inbox unread count": "notifications_unread"}
    assert set(plans) == set(want), plans
    for name, key in want.items():
        text = json.dumps(plans[name])
        assert "filesort" not in text, (name, text)
        tables = list(tables_of(plans[name]))
        n = [t for t in tables if t["table_name"] == "n" or t["table_name"] == "notifications"]
        assert len(n) == 1 and n[0]["key"] == key, (name, tables)
        assert n[0]["access_type"] in ("range", "ref"), (name, n)
        for t in tables:
            assert t["access_type"] not in ("ALL", "index"), (name, t)
        if name != "inbox unread count":  # the application's number: by primary key
            a = [t for t in tables if t["table_name"] == "a"]
            assert len(a) == 1 and a[0]["access_type"] == "eq_ref", (name, tables)


def tables_of(node):
    if isinstance(node, dict):
        t = node.get("table")
        if isinstance(t, dict) and "access_type" in t:
            yield t
        for v in node.values():
            yield from tables_of(v)
    elif isinstance(node, list):
        for v in node:
            yield from tables_of(v)


@pytest.mark.parametrize("path", [DEVICES, SUBSCRIPTIONS, READ_ALL])
def test_wrong_methods_name_the_allowed_one(base, http, stack, path):
    c = new_citizen(stack, http, base, verified=False)
    r = call(http, base, "GET", path, c.token)
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST", r.headers
