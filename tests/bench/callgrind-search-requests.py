"""make callgrind-search-requests (scripts/callgrind-search-requests.sh): instructions per
search request of a worker under callgrind, cold and warm.

    callgrind-search-requests.py BASE OUT_DIR MASTER_PID CATALOG_SIZE

Waits until the worker has built the catalog's index, then for each pass (the 26-query mix
and the 12 situations as searches, the mix as type-ahead; each cold, then warm; /healthz for
reference) sends its requests on one keep-alive connection and a marker request, whose
--dump-before dump holds the pass (plus the marker's own routing, a few thousand
instructions). The dump is renamed OUT_DIR/<pass>.cg. Prints a Markdown table."""
import glob
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def queries(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [urllib.parse.quote(l.strip()) for l in f if l.strip() and not l.startswith("#")]


def main():
    base, out, master, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)

    def call(method, path, body=None):
        headers, data = {}, None
        if body is not None:
            data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
        conn.request(method, path, data, headers)
        r = conn.getresponse()
        return r.status, r.read()

    deadline = time.time() + 1200  # a worker under callgrind builds its index slowly
    while True:
        try:
            status, body = call("GET", "/api/v1/services?page_size=1")
            if status == 200 and f'"total":{size},'.encode() in body:
                break
        except OSError:
            conn.close()
        if time.time() > deadline:
            sys.exit("callgrind-search-requests: the worker did not build the catalog's index")
        time.sleep(2)
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                        text=True, check=True)
    worker = int(ps.stdout.split()[0])

    def marker():
        """A marker request: the worker dumps its counters. The dump's file."""
        before = set(glob.glob(os.path.join(out, f"cg.{worker}.*")))
        call("POST", "/api/v1/test/echo", {"text": "marker"})
        for _ in range(600):
            dumps = set(glob.glob(os.path.join(out, f"cg.{worker}.*"))) - before
            if dumps:
                return dumps.pop()
            time.sleep(0.1)
        sys.exit("callgrind-search-requests: no dump after the marker")

    mix, situations = queries("search-queries.txt"), queries("situation-queries.txt")
    search = [f"/api/v1/services?q={q}" for q in mix]
    suggest = [f"/api/v1/services/suggest?q={q}&limit=8" for q in mix]
    situated = [f"/api/v1/services?q={q}" for q in situations]
    passes = [("search-cold", search), ("search-warm", search), ("suggest-cold", suggest),
              ("suggest-warm", suggest), ("situations-cold", situated),
              ("situations-warm", situated), ("healthz", ["/healthz"] * 20)]
    marker()  # the waiting's requests are not counted
    print("| pass | requests | Ir per request |")
    print("|---|---|---|")
    for name, paths in passes:
        for p in paths:
            status, body = call("GET", p)
            if status != 200:
                sys.exit(f"callgrind-search-requests: {p} answered {status}: {body[:200]!r}")
        dump = os.path.join(out, name + ".cg")
        os.rename(marker(), dump)
        with open(dump) as f:
            total = next(int(l.split()[1]) for l in f if l.startswith("totals:"))
        print(f"| {name} | {len(paths)} | {total // len(paths)} |", flush=True)


if __name__ == "__main__":
    main()
