"""`storage = s3` (README "Uploads and materials"): a stack of its own whose object store is
s3rver (tools/, pinned in tools/package-lock.json) behind tests/e2e/sigv4_proxy.py, which
checks every request's SigV4 signature with botocore and refuses a wrong one. Through it:
uploads are PUT (signed by libcurl), downloads are presigned GETs that nginx fetches, the
expiry sweep DELETEs, `storage --check` lists the bucket; and the proxy refuses what a real
store refuses (a wrong secret, a tampered or expired presigned URL, a body other than the one
signed), so the checks above could fail."""
import datetime
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.parse

import pytest
import requests
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import assert_problem
from helpers import sql, wait_for
from media import pdf, png
from people import (APPS, GA_0, call, detail, new_citizen, new_staff, required_materials,
                    submitted, uploaded)
from sigv4_proxy import SigV4Proxy
from stack import ROOT, Stack, free_port, service_readable

# s3rver knows one account (S3RVER/S3RVER); the proxy checks every signature first.
ACCESS, SECRET, REGION, BUCKET = "S3RVER", "S3RVER", "cn-e2e-1", "ow-e2e"
S3RVER = os.path.join(ROOT, "tools", "node_modules", ".bin", "s3rver")


class S3rver:
    """s3rver on a free port with the bucket, in a temporary folder."""

    def __init__(self):
        assert os.access(S3RVER, os.X_OK), "s3rver is missing: npm ci --prefix tools"
        self.dir = tempfile.mkdtemp(prefix="ow-e2e-s3-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "s3rver.log"), "w")
        self.proc = subprocess.Popen(
            [S3RVER, "-d", os.path.join(self.dir, "data"), "-a", "127.0.0.1", "-p",
             str(self.port), "--no-vhost-buckets", "--configure-bucket", BUCKET],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

        def listening():
            assert self.proc.poll() is None, "s3rver exited: see " + self.log.name
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        wait_for(listening, 30, interval=0.1, what="s3rver listening")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def s3():
    server = S3rver()
    proxy = SigV4Proxy(("127.0.0.1", server.port), ACCESS, SECRET, REGION).start()
    conf = tempfile.NamedTemporaryFile("w", prefix="ow-e2e-s3-", suffix=".conf", delete=False)
    with open(os.path.join(ROOT, "config", "test.conf")) as f:
        conf.write(f.read())
    # the store's keys come from the config file only (README, settings)
    conf.write(f"\ns3_access_key = {ACCESS}\ns3_secret_key = {SECRET}\n")
    conf.close()
    service_readable(conf.name)  # credentials: the services' group only
    stack = Stack({"ONEWINDOW_CONFIG": conf.name, "ONEWINDOW_STORAGE": "s3",
                   "ONEWINDOW_S3_ENDPOINT": proxy.endpoint, "ONEWINDOW_S3_BUCKET": BUCKET,
                   "ONEWINDOW_S3_REGION": REGION, "ONEWINDOW_S3_PATH_STYLE": "1",
                   "ONEWINDOW_UPLOAD_SWEEP_S": "1"})
    try:
        stack.start()
        yield stack, proxy
    finally:
        stack.destroy()
        proxy.stop()
        server.stop()
        os.unlink(conf.name)


def signed(method, key, body=b"", secret=SECRET, port=None, extra=None):
    """A request to the proxy signed by botocore (as any S3 client would), for the checks."""
    url = f"http://127.0.0.1:{port}/{BUCKET}/{key}"
    req = AWSRequest(method=method, url=url, data=body, headers=dict(extra or {}))
    S3SigV4Auth(Credentials(ACCESS, secret), "s3", REGION).add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers.items()),
                            timeout=30)


def object_key(u):
    ext = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[u["content_type"]]
    return f"{u['sha256']}.{ext}"


def test_uploads_are_signed_puts(s3, http):
    stack, proxy = s3
    c = new_citizen(stack, http, stack.base, verified=False)
    before = proxy.count("PUT")
    data = png((17, 29))
    u = uploaded(http, stack.base, c, data)
    key = object_key(u)
    assert proxy.seen("PUT", f"/{BUCKET}/{key}") == ["ok"], proxy.requests[-5:]
    assert proxy.count("PUT") == before + 1
    # the object is there, byte for byte, with its type
    r = signed("GET", key, port=proxy.port)
    assert r.status_code == 200 and r.content == data, r.status_code
    assert r.headers["Content-Type"] == "image/png"
    # the same bytes again: one object (content addressed), a new upload
    again = uploaded(http, stack.base, c, data)
    assert again["id"] != u["id"] and again["sha256"] == u["sha256"]
    assert not [v for m, p, v in proxy.requests if v != "ok"], "a request was refused"


def test_downloads_are_presigned_gets_served_by_nginx(s3, http):
    stack, proxy = s3
    base = stack.base
    c, stranger = new_citizen(stack, http, base), new_citizen(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    doc = pdf()
    u = uploaded(http, base, c, doc, "application/pdf")
    given = [{"code": "material_1", "upload_id": u["id"]}] + required_materials(
        http, base, c, GA_0)[1:]
    no = submitted(http, base, c, GA_0, materials=given)["application_no"]
    path = f"{APPS}/{no}/materials/material_1"
    key = object_key(u)
    for who in (c, staff):
        before = proxy.seen("GET", key)
        r = call(http, base, "GET", path, who.token)
        assert r.status_code == 200, r.text
        assert r.content == doc and r.headers["Content-Type"] == "application/pdf"
        assert "attachment" in r.headers.get("Content-Disposition", ""), r.headers
        # nginx fetched it with a presigned URL that the proxy verified
        assert proxy.seen("GET", key) == before + ["ok"], proxy.requests[-3:]
    got = [p for m, p, v in proxy.requests if m == "GET" and key in p][-1]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(got).query)
    assert query["X-Amz-SignedHeaders"] == ["host"] and "X-Amz-Signature" in query
    assert int(query["X-Amz-Expires"][0]) <= 300
    # the client never sees the store's URL or credentials
    assert ACCESS not in r.text and "X-Amz" not in str(r.headers)
    assert_problem(call(http, base, "GET", path, stranger.token), 404, "not_found")
    assert detail(http, base, c, no)["materials"][0]["sha256"] == u["sha256"]


def test_expiry_deletes_the_object_and_check_lists_the_bucket(s3, http):
    stack, proxy = s3
    c = new_citizen(stack, http, stack.base, verified=False)
    u = uploaded(http, stack.base, c, png((53, 7)))
    key = object_key(u)
    assert signed("HEAD", key, port=proxy.port).status_code == 200
    # the upload expires while its object is within the grace of a fresh write (an upload in
    # flight may be about to refer to it): the row goes, the object stays for now
    sql(stack, f"UPDATE uploads SET expires_at = NOW(3) - INTERVAL 1 SECOND "
               f"WHERE id = '{u['id']}'")
    wait_for(lambda: sql(stack, f"SELECT COUNT(*) FROM uploads WHERE id = '{u['id']}'")
             == [["0"]], 30, interval=0.2, what="the expired upload deleted")
    wait_for(lambda: sql(stack, f"SELECT sweep_after > NOW(3) FROM store_objects "
                                f"WHERE sha256 = '{u['sha256']}'") == [["1"]], 30,
             interval=0.2, what="the object due again when its grace ends")
    assert proxy.seen("DELETE", key) == []
    assert signed("HEAD", key, port=proxy.port).status_code == 200
    # the grace over (time moved on): the next sweep deletes it with a signed DELETE
    sql(stack, f"UPDATE store_objects SET touched_at = NOW(3) - INTERVAL 1 HOUR, "
               f"sweep_after = NOW(3) WHERE sha256 = '{u['sha256']}'")
    wait_for(lambda: proxy.seen("DELETE", key) == ["ok"], 30, interval=0.2,
             what="the sweep's signed DELETE")
    assert signed("HEAD", key, port=proxy.port).status_code == 404
    wait_for(lambda: sql(stack, f"SELECT COUNT(*) FROM store_objects "
                                f"WHERE sha256 = '{u['sha256']}'") == [["0"]], 10,
             what="the object's row gone")
    # storage --check lists the bucket (signed GETs) and finds nothing amiss
    before = proxy.count("GET")
    p = stack.admin("storage", "--check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert proxy.count("GET") > before
    # an object nothing refers to is reported
    stray = "ab" + "0" * 62 + ".png"
    assert signed("PUT", stray, b"x", port=proxy.port,
                  extra={"x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()}
                  ).status_code == 200
    p = stack.admin("storage", "--check", check=False)
    assert p.returncode == 1 and f"unreferenced object: {stray}" in p.stdout, p.stdout
    assert signed("DELETE", stray, port=proxy.port).status_code in (200, 204)


def test_the_proxy_refuses_what_a_real_store_refuses(s3):
    """The independent check can fail: a wrong secret, a tampered, expired or unsigned
    request is 403, and the object is untouched."""
    _, proxy = s3
    port = proxy.port
    key = "cd" + "1" * 62 + ".png"
    body = b"the signed bytes"
    sha = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
    assert signed("PUT", key, body, secret="wrong", port=port, extra=sha).status_code == 403
    assert signed("PUT", key, body, port=port, extra=sha).status_code == 200
    # another body than the one signed
    url = f"http://127.0.0.1:{port}/{BUCKET}/{key}"
    req = AWSRequest(method="PUT", url=url, data=body, headers=sha)
    S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
    r = requests.put(url, data=b"other bytes", headers=dict(req.headers.items()), timeout=30)
    assert r.status_code == 403
    assert requests.get(url, timeout=30).status_code == 403  # unsigned

    def presigned(expires=300, at=None, secret=SECRET):
        req = AWSRequest(method="GET", url=url)
        signer = S3SigV4QueryAuth(Credentials(ACCESS, secret), "s3", REGION, expires=expires)
        if at is None:
            signer.add_auth(req)
            return req.url
        # botocore's add_auth stamps the current time: a URL from the past is signed by hand
        # from botocore's parts
        req.context["timestamp"] = at.strftime("%Y%m%dT%H%M%SZ")
        fields = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                  "X-Amz-Credential": f"{ACCESS}/{req.context['timestamp'][:8]}/{REGION}/s3/"
                                      "aws4_request",
                  "X-Amz-Date": req.context["timestamp"], "X-Amz-Expires": str(expires),
                  "X-Amz-SignedHeaders": "host"}
        req.url = url + "?" + urllib.parse.urlencode(sorted(fields.items()),
                                                     quote_via=urllib.parse.quote, safe="-_.~")
        req.headers["host"] = f"127.0.0.1:{port}"
        sig = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
        return req.url + "&X-Amz-Signature=" + sig

    good = presigned()
    r = requests.get(good, timeout=30)
    assert r.status_code == 200 and r.content == body
    assert requests.get(good.replace(key, "cd" + "2" * 62 + ".png"), timeout=30).status_code == 403
    assert requests.get(presigned(secret="wrong"), timeout=30).status_code == 403
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=120)
    assert requests.get(presigned(60, past), timeout=30).status_code == 403   # expired
    assert requests.get(presigned(600, past), timeout=30).status_code == 200  # still valid
    assert proxy.count("PUT", "SignatureDoesNotMatch") >= 1
    assert proxy.count("PUT", "body is not the one signed") == 1
    assert proxy.count("GET", "expired") == 1
    assert signed("DELETE", key, port=port).status_code in (200, 204)


def test_a_store_that_refuses_is_503_and_leaves_nothing(s3, http):
    """The store refuses the worker's PUT (here: the proxy answers 403 for an unknown key
    id while the test swaps the checker's key): the upload is 503, no row is left."""
    stack, proxy = s3
    c = new_citizen(stack, http, stack.base, verified=False)
    rows = int(sql(stack, f"SELECT COUNT(*) FROM uploads WHERE citizen_id = {c.id}")[0][0])
    real = proxy.checker.access_key
    proxy.checker.access_key = "someone-else"
    try:
        r = call(http, stack.base, "POST", "/api/v1/uploads", c.token, raw=png((3, 3)),
                 headers={"Content-Type": "image/png"})
    finally:
        proxy.checker.access_key = real
    assert r.status_code == 503, r.text
    assert int(r.headers.get("Retry-After", "0")) >= 1
    assert int(sql(stack, f"SELECT COUNT(*) FROM uploads WHERE citizen_id = {c.id}")[0][0]) == rows
    assert uploaded(http, stack.base, c, png((3, 3)))["bytes"] > 0
