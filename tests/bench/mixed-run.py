"""make bench, the mixed scenario: one run of tests/bench/mixed.lua with its figures.

    mixed-run.py BASE VAR_DIR DATA_DIR SECONDS CONNECTIONS THREADS LABEL RESULTS_JSONL

Around one wrk run it reads the stack's /metrics (the per-route latency histograms and
request counts of every worker) and the CPU time (utime + stime, /proc/PID/stat) of each
process of the stack: nginx, the FastCGI workers and their master, MariaDB, onewindow-pushd.
Prints the run's line and a table per route, and appends the figures as one JSON line:
    throughput, wrk's p50/p99, non-2xx; per route: requests/s, p50/p99 (server side, from the
    histogram buckets, linear within a bucket — what Prometheus' histogram_quantile gives);
    CPU µs per request of each process group."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

ROUTES = {  # what mixed.lua sends, by the route pattern of /metrics
    ("GET", "/api/v1/services"): "search",
    ("GET", "/api/v1/applications/{no}"): "detail",
    ("GET", "/api/v1/notifications"): "inbox",
    ("POST", "/api/v1/progress"): "progress",
    ("POST", "/api/v1/applications"): "submit",
    ("POST", "/api/v1/auth/login"): "login",
}
TICK = os.sysconf("SC_CLK_TCK")


def scrape(base):
    text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
    counts, buckets, failed = {}, {}, {}
    for line in text.splitlines():
        m = re.match(r'onewindow_http_requests_total\{route="([^"]*)",method="([^"]*)",'
                     r'status="(\d+)"\} (\d+)', line)
        if m:
            key = (m.group(2), m.group(1))
            counts[key] = counts.get(key, 0) + int(m.group(4))
            if int(m.group(3)) >= 400:
                failed[f"{m.group(2)} {m.group(1)} {m.group(3)}"] = int(m.group(4))
            continue
        m = re.match(r'onewindow_http_request_duration_seconds_bucket\{route="([^"]*)",'
                     r'le="([^"]+)"\} (\d+)', line)
        if m:
            buckets.setdefault(m.group(1), []).append(
                (float("inf") if m.group(2) == "+Inf" else float(m.group(2)), int(m.group(3))))
    return counts, buckets, failed


def quantile(q, cumulative):
    """histogram_quantile over (le, cumulative count) pairs; seconds."""
    total = cumulative[-1][1]
    if total == 0:
        return 0.0
    rank, prev_le, prev_n = q * total, 0.0, 0
    for le, n in cumulative:
        if n >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_n) / max(n - prev_n, 1)
        prev_le, prev_n = le, n
    return prev_le


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def pidfile(var, name):
    try:
        return int(open(os.path.join(var, "run", name)).read())
    except (OSError, ValueError):
        return None


def groups(var):
    nginx = pidfile(var, "nginx.pid")
    master = pidfile(var, "onewindow-fcgi.pid")
    return {
        "nginx": ([nginx] + children(nginx)) if nginx else [],
        "workers": ([master] + children(master)) if master else [],
        "mariadb": [p for p in [pidfile(var, "mysqld.pid")] if p],
        "pushd": [p for p in [pidfile(var, "onewindow-pushd.pid")] if p],
    }


def cpu_s(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def wrk(base, data, seconds, connections, threads, script):
    env = dict(os.environ, BENCH_MIXED=data)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, base], capture_output=True, text=True, env=env,
                         timeout=seconds + 60).stdout

    def ms(v):
        return float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-2]) if v.endswith(
            "ms") else float(v[:-1]) * 1000
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"^\s+50(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    p99 = ms(re.search(r"^\s+99(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, p50, p99, int(bad.group(1)) if bad else 0, errors.group(1) if errors else ""


def main():
    base, var, data, seconds, conns, threads, label, results = sys.argv[1:9]
    seconds, conns, threads = int(seconds), int(conns), int(threads)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mixed.lua")
    pids = groups(var)
    counts0, buckets0, failed0 = scrape(base)
    cpu0 = {g: sum(cpu_s(p) for p in ps) for g, ps in pids.items()}
    t0 = time.monotonic()
    rps, p50, p99, bad, errors = wrk(base, data, seconds, conns, threads, script)
    elapsed = time.monotonic() - t0
    cpu1 = {g: sum(cpu_s(p) for p in ps) for g, ps in pids.items()}
    counts1, buckets1, failed1 = scrape(base)
    failed = {k: v - failed0.get(k, 0) for k, v in failed1.items() if v > failed0.get(k, 0)}
    total = sum(counts1.get(k, 0) - counts0.get(k, 0) for k in ROUTES)
    routes = {}
    for (method, route), name in ROUTES.items():
        n = counts1.get((method, route), 0) - counts0.get((method, route), 0)
        b1, b0 = buckets1.get(route, []), dict(buckets0.get(route, []))
        delta = [(le, c - b0.get(le, 0)) for le, c in b1]
        # search shares its route with nothing; detail and submit patterns differ by method
        routes[name] = {"rps": round(n / elapsed), "share": round(n / max(total, 1), 3),
                        "p50_ms": round(quantile(0.5, delta) * 1000, 2) if delta else 0,
                        "p99_ms": round(quantile(0.99, delta) * 1000, 2) if delta else 0}
    cpu_us = {g: round((cpu1[g] - cpu0[g]) * 1e6 / max(total, 1)) for g in pids}
    figures = {"label": label, "rps": round(rps), "p50_ms": p50, "p99_ms": p99, "non2xx": bad,
               "failed": failed,
               "socket_errors": errors, "requests": total, "routes": routes,
               "cpu_us_per_request": cpu_us,
               "cpu_cores_used": {g: round((cpu1[g] - cpu0[g]) / elapsed, 2) for g in pids}}
    with open(results, "a") as f:
        f.write(json.dumps(figures) + "\n")
    print(f"{label}: {rps:.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, non-2xx {bad}; "
          f"CPU µs/request: " + ", ".join(f"{g} {v}" for g, v in cpu_us.items())
          + (f"; answers ≥ 400: {failed}" if failed else ""))


if __name__ == "__main__":
    main()
