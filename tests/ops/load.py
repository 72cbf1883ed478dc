"""A load that behaves like the mobile app (docs/API.md §1, §5, §6), for the fault and cluster
tests: citizens submit applications with an Idempotency-Key and retry with the same key until
they get an answer (connection errors, 5xx, 409 and 429 are retried after a short backoff, as
the app does); after each submission the citizen reads it back at once (read-your-writes),
lists their applications and inbox, and searches the catalog. Staff of the department take
each new application through two steps (accepted, completed), with keys and retries too.

Every attempt is recorded (time, kind, status or "conn"), and every key's outcome, so that a
phase of the run can be summed up: requests made, failures by status, how long citizens
waited for an answer across a fault, and what the database must hold afterwards."""
import collections
import json
import random
import secrets
import threading
import time

import requests

API = "/api/v1"
SERVICE = "GA-GG-019"  # 无犯罪记录证明开具, GA, 3 working days (data/catalog-sample.json)


def service_form(note):
    """A form GA-GG-019's form_schema takes (no material is required)."""
    return {"certificate_purpose": "就业", "certificate_format": "电子证明",
            "certificate_receiving_unit": note}
RETRYABLE = {409, 429, 500, 502, 503, 504, "conn"}
SEARCHES = ["身份证", "社保", "公积金", "护照", "shebao", "结婚登记"]


def new_key():
    return "load-" + secrets.token_hex(10)


class Recorder:
    """Attempts and keyed outcomes, shared by the load's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = []  # (t, kind, status)
        self.keys = {}  # key -> dict(kind, first, done, status, tries, answer)

    def attempt(self, kind, status):
        with self.lock:
            self.attempts.append((time.monotonic(), kind, status))

    def key_done(self, key, kind, first, status, tries, answer, history=()):
        with self.lock:
            self.keys[key] = dict(kind=kind, first=first, done=time.monotonic(), status=status,
                                  tries=tries, answer=answer, history=list(history))

    def between(self, t0, t1):
        with self.lock:
            attempts = [a for a in self.attempts if t0 <= a[0] < t1]
            keys = {k: v for k, v in self.keys.items() if t0 <= v["first"] < t1}
        return attempts, keys


def summary(rec, t0, t1, fault_times=()):
    """A phase in figures: requests, failures by status (attempts, then keys that never got
    an answer), and waits: how long keys that met a failure took to succeed (max, p50), and
    the longest time from a fault to the next write answered."""
    attempts, keys = rec.between(t0, t1)
    fails = collections.Counter(str(s) for _, _, s in attempts if s == "conn" or s >= 500
                                or s in (409, 429))
    unanswered = collections.Counter(v["kind"] for v in keys.values() if v["status"] in RETRYABLE)
    retried = sorted(v["done"] - v["first"] for v in keys.values()
                     if v["tries"] > 1 and v["status"] not in RETRYABLE)
    recovery = 0.0  # fault → the next write (submission or step) answered
    for f in fault_times:
        later = [t for t, kind, s in attempts
                 if t >= f and kind in ("submit", "step") and s in (200, 201)]
        if later:
            recovery = max(recovery, min(later) - f)
    slowest = max((v for v in keys.values() if v["tries"] > 1), default=None,
                  key=lambda v: v["done"] - v["first"])
    return dict(
        slowest=slowest and [slowest["kind"]] + slowest["history"],
        requests=len(attempts), seconds=round(t1 - t0, 1), keys=len(keys),
        failed_attempts=dict(sorted(fails.items())), keys_unanswered=dict(unanswered),
        retried_keys=len(retried),
        wait_max_s=round(retried[-1], 2) if retried else 0.0,
        wait_p50_s=round(retried[len(retried) // 2], 2) if retried else 0.0,
        recovery_s=round(recovery, 2))


class Load:
    """citizens: [(id, token)]; staff: [token]; base: the API's URL."""

    def __init__(self, base, citizens, staff, rec=None, give_up_s=60, think_s=0.05):
        self.base, self.citizens, self.staff = base, citizens, staff
        self.rec = rec or Recorder()
        self.give_up_s, self.think_s = give_up_s, think_s
        self.stopping = threading.Event()
        self.threads = []
        self.queue = collections.deque()  # application numbers for the staff
        self.ryw_misses = []  # own reads right after own writes that did not see the write

    # --- one request with the app's retries -------------------------------------------
    def call(self, http, kind, method, path, token=None, body=None, key=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key:
            headers["Idempotency-Key"] = key
        try:
            r = http.request(method, self.base + path, json=body, headers=headers, timeout=15)
            status = r.status_code
        except requests.RequestException:
            r, status = None, "conn"
        self.rec.attempt(kind, status)
        return r, status

    def keyed(self, http, kind, path, token, body):
        """A keyed POST retried with the same key until it is answered: (status, json)."""
        key, first, tries, delay, history = new_key(), time.monotonic(), 0, 0.1, []
        while True:
            tries += 1
            t = time.monotonic()
            r, status = self.call(http, kind, "POST", path, token, body, key)
            history.append((round(t - first, 2), round(time.monotonic() - t, 2), status))
            if status not in RETRYABLE or time.monotonic() - first > self.give_up_s:
                answer = r.json() if r is not None and status in (200, 201) else None
                self.rec.key_done(key, kind, first, status, tries, answer, history)
                return status, answer
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 1.0)

    def read(self, http, kind, path, token=None):
        """A GET retried like the app does (a few times): the last status."""
        for delay in (0.1, 0.2, 0.4, 0.8, 1.0, 1.0):
            r, status = self.call(http, kind, "GET", path, token)
            if status not in RETRYABLE:
                return status
            time.sleep(delay)
        return status

    # --- the two kinds of user ----------------------------------------------------------
    def citizen(self, cid, token):
        with requests.Session() as http:
            while not self.stopping.is_set():
                status, answer = self.keyed(http, "submit", f"{API}/applications", token,
                                            {"service_code": SERVICE,
                                             "form": service_form("load " + secrets.token_hex(4))})
                if status == 201:
                    no = answer["application_no"]
                    self.queue.append(no)
                    # read-your-writes: the detail must be there at once, on any host
                    if self.read(http, "detail", f"{API}/applications/{no}", token) == 404:
                        self.ryw_misses.append(no)
                self.read(http, "list", f"{API}/applications?limit=5", token)
                self.read(http, "inbox", f"{API}/notifications?limit=5", token)
                q = random.choice(SEARCHES)
                self.read(http, "search", f"{API}/services?q={q}")
                time.sleep(self.think_s)

    def clerk(self, token):
        with requests.Session() as http:
            while not self.stopping.is_set() or self.queue:
                try:
                    no = self.queue.popleft()
                except IndexError:
                    time.sleep(0.05)
                    continue
                for step in ({"status": "accepted"},
                             {"status": "completed", "result": "approved"}):
                    self.keyed(http, "step", f"{API}/staff/applications/{no}/events", token,
                               step)

    def start(self):
        for cid, token in self.citizens:
            self.threads.append(threading.Thread(target=self.citizen, args=(cid, token)))
        for token in self.staff:
            self.threads.append(threading.Thread(target=self.clerk, args=(token,)))
        for t in self.threads:
            t.daemon = True
            t.start()
        return self

    def stop(self, timeout=120):
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "load threads did not stop"

    def submitted(self):
        """Application numbers answered 201, each with its key."""
        with self.rec.lock:
            return {v["answer"]["application_no"]: k for k, v in self.rec.keys.items()
                    if v["kind"] == "submit" and v["status"] == 201}


def print_phase(name, figures):
    print(f"\n  {name}: " + json.dumps(figures, ensure_ascii=False))
