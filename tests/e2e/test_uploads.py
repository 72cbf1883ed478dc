"""API.md §5 uploads through nginx: each accepted media type, sniffing (a mismatch is 415),
damaged files (400), the size limit at the boundary from the app and from nginx, who may
upload, the Idempotency-Key over a file body, daily quotas, expiry of unattached uploads
(with their stored objects) and `onewindow-admin storage --check`."""
import hashlib
import os
import shutil
import time

import pytest
import requests

from conftest import assert_problem
from helpers import field_errors, sql, wait_for
from media import elf, jpeg, pdf, png, png_of_bytes
from people import UPLOADS, call, new_citizen, new_staff, upload, uploaded
from stack import SERVICE_USER, Stack

MAX = 10 * 1024 * 1024
NGINX_SLACK = 16384


def test_each_type_is_accepted(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    for data, kind in ((png(), "image/png"), (jpeg(), "image/jpeg"), (pdf(), "application/pdf")):
        r = upload(http, base, c, data, kind)
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"id", "content_type", "bytes", "sha256", "expires_at"}
        assert body["content_type"] == kind and body["bytes"] == len(data)
        assert body["sha256"] == hashlib.sha256(data).hexdigest()
        assert r.headers["Cache-Control"] == "no-store"
        row = sql(stack, f"SELECT TIMESTAMPDIFF(MINUTE, created_at, expires_at), citizen_id "
                         f"FROM uploads WHERE id = '{body['id']}'")
        assert row == [["1440", c.id]], row
    # a parameter on the media type is fine, and case does not matter
    assert upload(http, base, c, png(), "Image/PNG; foo=bar").status_code == 201


@pytest.mark.parametrize("data,declared", [
    (png(), "application/pdf"),      # a PNG declared as PDF
    (jpeg(), "image/png"),
    (pdf(), "image/jpeg"),
    (elf(), "image/jpeg"),           # an executable renamed .jpg
    (b"hello, world\n" * 10, "application/pdf"),
])
def test_sniffed_type_must_match(base, http, stack, data, declared):
    c = new_citizen(stack, http, base, verified=False)
    body = assert_problem(upload(http, base, c, data, declared), 415, "unsupported_media_type")
    assert declared.split("/")[1] in body["detail"] or "JPEG" in body["detail"], body


def test_only_accepted_types_may_be_declared(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    for declared in ("image/gif", "text/plain", "application/octet-stream"):
        assert_problem(upload(http, base, c, png(), declared), 415, "unsupported_media_type")
    r = http.post(base + UPLOADS, data=png(), headers={"Authorization": f"Bearer {c.token}"},
                  timeout=30)
    assert_problem(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("name,data,declared", [
    ("truncated pdf", pdf()[:-40], "application/pdf"),
    ("pdf without xref", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n" + b" " * 100 + b"%%EOF\n",
     "application/pdf"),
    ("truncated png", png()[:-20], "image/png"),
    ("png with a bad crc", png()[:-5] + b"\x00" + png()[-4:], "image/png"),
    ("truncated jpeg", jpeg((256, 256))[:400], "image/jpeg"),
])
def test_damaged_files_are_refused(base, http, stack, name, data, declared):
    c = new_citizen(stack, http, base, verified=False)
    r = upload(http, base, c, data, declared)
    assert_problem(r, 400, "invalid_argument")
    assert "" in field_errors(r), (name, r.text)


def test_empty_body(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    r = upload(http, base, c, b"", "image/png")
    assert_problem(r, 400, "invalid_argument")


def test_size_limit_at_the_boundary(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    r = upload(http, base, c, png_of_bytes(MAX), "image/png")
    assert r.status_code == 201, r.text
    assert r.json()["bytes"] == MAX
    # one byte more: the app answers (nginx allows a little more)
    r = upload(http, base, c, png_of_bytes(MAX + 1), "image/png")
    body = assert_problem(r, 413, "payload_too_large")
    assert r.headers.get("X-Request-Id")
    # past nginx's own limit: nginx answers, in the same problem+json
    r = upload(http, base, c, png_of_bytes(MAX + NGINX_SLACK + 1), "image/png")
    assert_problem(r, 413, "payload_too_large")
    assert body["code"] == "payload_too_large"


def test_json_routes_keep_their_64k_limit(base, http, stack):
    c = new_citizen(stack, http, base)
    big = {"service_code": "x" * (70 * 1024)}
    r = call(http, base, "POST", "/api/v1/applications", c.token, big)
    assert_problem(r, 413, "payload_too_large")


def test_who_may_upload(base, http, stack):
    assert_problem(http.post(base + UPLOADS, data=png(), headers={"Content-Type": "image/png"},
                             timeout=30), 401, "unauthorized")
    staff = new_staff(stack, http, base)
    assert_problem(upload(http, base, staff, png()), 403, "forbidden")
    assert_problem(http.get(base + UPLOADS, timeout=30), 405, "method_not_allowed")


def test_idempotency_key_covers_the_file(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    first = upload(http, base, c, png(), key="up-1")
    assert first.status_code == 201, first.text
    again = upload(http, base, c, png(), key="up-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = upload(http, base, c, jpeg(), "image/jpeg", key="up-1")
    assert_problem(other, 422, "idempotency_key_reused")


def test_same_bytes_are_stored_once(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    data = png((33, 17))
    a, b = uploaded(http, base, c, data), uploaded(http, base, c, data)
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    path = os.path.join(stack.var_dir, "store", a["sha256"][:2], a["sha256"] + ".png")
    with open(path, "rb") as f:
        assert f.read() == data


@pytest.fixture(scope="module")
def small_stack():
    """Quotas of 3 uploads or 1 MiB a day, a 3 s lifetime and a 1 s sweep."""
    s = Stack({"ONEWINDOW_UPLOAD_DAILY_COUNT": "3", "ONEWINDOW_UPLOAD_DAILY_MIB": "1",
               "ONEWINDOW_UPLOAD_TTL_S": "3", "ONEWINDOW_UPLOAD_SWEEP_S": "1"})
    s.start()
    yield s
    s.destroy()


def test_daily_quota_of_uploads(small_stack, http):
    base = small_stack.base
    c = new_citizen(small_stack, http, base, verified=False)
    for _ in range(3):
        uploaded(http, base, c, png())
    r = upload(http, base, c, png())
    assert_problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    other = new_citizen(small_stack, http, base, verified=False)  # quotas are per citizen
    uploaded(http, base, other, png())


def test_daily_quota_of_bytes(small_stack, http):
    base = small_stack.base
    c = new_citizen(small_stack, http, base, verified=False)
    uploaded(http, base, c, png_of_bytes(700 * 1024))
    assert_problem(upload(http, base, c, png_of_bytes(400 * 1024)), 429, "rate_limited")


def test_a_store_failure_gives_the_quota_back(small_stack, http):
    """The quota counts stored files: an upload the store fails (503) is given back, so four
    failures in a row (more than the daily 3) are each 503, and three uploads still pass."""
    base = small_stack.base
    c = new_citizen(small_stack, http, base, verified=False)
    store = os.path.join(small_stack.var_dir, "store")
    data = next(d for d in (png((53, 17 + i)) for i in range(64))
                if not os.path.exists(os.path.join(store, hashlib.sha256(d).hexdigest()[:2])))
    # a file where the object's folder goes: the rename into place fails
    blocker = os.path.join(store, hashlib.sha256(data).hexdigest()[:2])
    with open(blocker, "wb"):
        pass
    try:
        for _ in range(4):
            assert_problem(upload(http, base, c, data), 503, "unavailable")
    finally:
        os.remove(blocker)
    # the failed write's row (no upload needs its object) is not a missing object
    p = small_stack.admin("storage", "--check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    counted = sql(small_stack, f"SELECT COALESCE(SUM(uploads), 0), COALESCE(SUM(bytes), 0) "
                               f"FROM upload_days WHERE citizen_id = {c.id}")
    assert counted == [["0", "0"]], counted
    for _ in range(3):
        uploaded(http, base, c, png())
    assert os.listdir(os.path.join(store, "tmp")) == []  # nothing left of the failed writes


def test_unattached_uploads_expire_with_their_objects(small_stack, http):
    base = small_stack.base
    c = new_citizen(small_stack, http, base, verified=False)
    data = png((41, 13))
    u = uploaded(http, base, c, data)
    path = os.path.join(small_stack.var_dir, "store", u["sha256"][:2], u["sha256"] + ".png")
    assert os.path.exists(path)
    wait_for(lambda: sql(small_stack, f"SELECT COUNT(*) FROM uploads WHERE id = '{u['id']}'")
             == [["0"]], 20, what="the expired upload deleted")
    wait_for(lambda: not os.path.exists(path), 20, interval=0.2, what="its object deleted")
    p = small_stack.admin("storage", "--check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def test_storage_check_reports_mismatches(small_stack, http):
    base = small_stack.base
    p = small_stack.admin("storage", "--check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    stray = os.path.join(small_stack.var_dir, "store", "ab", "ab" + "0" * 62 + ".png")
    os.makedirs(os.path.dirname(stray), exist_ok=True)
    with open(stray, "wb") as f:
        f.write(b"x")
    if os.geteuid() == 0:  # the folder stays writable by the service for later uploads
        shutil.chown(os.path.dirname(stray), user=SERVICE_USER)
    c = new_citizen(small_stack, http, base, verified=False)
    u = uploaded(http, base, c, png((7, 91)))
    os.remove(os.path.join(small_stack.var_dir, "store", u["sha256"][:2], u["sha256"] + ".png"))
    p = small_stack.admin("storage", "--check", check=False)
    assert p.returncode == 1, p.stdout
    assert f"unreferenced object: ab{'0' * 62}.png" in p.stdout, p.stdout
    assert f"missing object: {u['sha256']}.png" in p.stdout, p.stdout
    os.remove(stray)
