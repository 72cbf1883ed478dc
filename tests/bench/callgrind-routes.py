"""make callgrind (scripts/callgrind.sh): instructions per request of each hot route.

    callgrind-routes.py BASE VAR_DIR MASTER_PID REQUESTS WARMUP

The worker (the master's one child, both under callgrind) counts instructions only inside
api/server.c's handle(), and dumps its counters (which zeroes them) whenever a request
reaches handle_test_echo (--dump-before, scripts/callgrind.sh): a marker request, with no
need of callgrind_control, whose vgdb cannot reach a worker that changed its user. For
each route: WARMUP requests, a marker (that dump is dropped), REQUESTS requests on one
keep-alive connection, a marker, and Ir of that dump / REQUESTS (the marker's own routing,
a constant few thousand instructions, is in it). Prints a Markdown table."""
import glob
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse

SEARCHES = ["社保卡", "身份证", "gongjijin", "结婚登记", "护照"]


def main():
    base, var, master, n, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)

    def call(method, path, body=None, headers=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, data, h)
        r = conn.getresponse()
        return r.status, r.read()

    deadline = time.time() + 300  # a worker under callgrind builds its index slowly
    while True:
        try:
            if call("GET", "/readyz")[0] == 200:
                break
        except OSError:
            conn.close()
        if time.time() > deadline:
            sys.exit("callgrind: the worker did not become ready")
        time.sleep(1)
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True).stdout.split()
    worker = int(out[0])
    sock = os.path.join(var, "run", "mysqld.sock")

    def sql(q):
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "onewindow", "-N",
                               "-B", "-e", q], capture_output=True, text=True,
                              check=True).stdout.split()
    no, citizen, code = sql("SELECT application_no, citizen_id, query_code FROM applications "
                            "ORDER BY id DESC LIMIT 1")
    status, body = call("POST", "/api/v1/test/token", {"sub": citizen, "role": "citizen",
                                                         "ttl_s": 7200})
    assert status == 200, body
    auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    submit = {"service_code": "GA-GG-001", "form": {"reason": "首次申领"},
              "materials": [{"name": "居民户口簿"}]}
    routes = [
        ("GET /healthz", lambda i: call("GET", "/healthz")),
        ("GET /readyz (SELECT 1)", lambda i: call("GET", "/readyz")),
        ("GET /api/v1/me", lambda i: call("GET", "/api/v1/me", headers=auth)),
        ("GET /services?q= (5 queries)",
         lambda i: call("GET", "/api/v1/services?q=" + urllib.parse.quote(SEARCHES[i % 5]))),
        ("GET /services/suggest",
         lambda i: call("GET", "/api/v1/services/suggest?limit=8&q="
                        + urllib.parse.quote(SEARCHES[i % 5]))),
        ("GET /services/{code}", lambda i: call("GET", "/api/v1/services/GA-GG-001")),
        ("GET /applications/{no}", lambda i: call("GET", f"/api/v1/applications/{no}",
                                                 headers=auth)),
        ("GET /applications (list)", lambda i: call("GET", "/api/v1/applications?limit=20",
                                                   headers=auth)),
        ("GET /notifications (inbox)", lambda i: call("GET", "/api/v1/notifications?limit=20",
                                                     headers=auth)),
        ("POST /progress", lambda i: call("POST", "/api/v1/progress",
                                          {"application_no": no, "query_code": code})),
        ("POST /applications (new key)",
         lambda i: call("POST", "/api/v1/applications", submit,
                        dict(auth, **{"Idempotency-Key": "cg-" + secrets.token_hex(8)}))),
    ]
    def mark():
        """A marker request: the worker dumps its counters. The dump's file."""
        before = set(glob.glob(os.path.join(var, "callgrind", f"cg.{worker}.*")))
        status, body = call("POST", "/api/v1/test/echo", {"text": "marker"})
        assert status == 200, body
        dumps = set(glob.glob(os.path.join(var, "callgrind", f"cg.{worker}.*"))) - before
        assert len(dumps) == 1, dumps
        return dumps.pop()

    print(f"| route | instructions per request (callgrind Ir, {n} requests after {warmup}) | answer |")
    print("|---|---|---|")
    for name, send in routes:
        for i in range(warmup):
            send(i)
        mark()
        statuses = set()
        for i in range(n):
            statuses.add(send(i)[0])
        totals = [l for l in open(mark()) if l.startswith(("totals:", "summary:"))]
        ir = int(totals[0].split()[1])
        print(f"| {name} | {ir / n:,.0f} | {','.join(map(str, sorted(statuses)))} |")


if __name__ == "__main__":
    main()
