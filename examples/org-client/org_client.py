#!/usr/bin/env python3
"""An example organization system for onewindow (docs/organizations.md).

  org_client.py work --base URL --client-id ID --client-secret S --cursor-file F [--once]
      follows the change feed from the saved cursor; accepts every new application of a
      delegated service and completes every accepted one (approved), printing one JSON line
      per action; --once stops when the feed has nothing new, else it polls.
  org_client.py webhooks --port P --secret S [--secret OLD] --log FILE
      receives webhooks on 127.0.0.1:P: checks the signature (401 when it does not match),
      drops repeated event ids, appends one JSON line per event to FILE, answers 204.

Credentials may also come from the environment: ONEWINDOW_BASE, ONEWINDOW_CLIENT_ID,
ONEWINDOW_CLIENT_SECRET, ONEWINDOW_WEBHOOK_SECRETS (comma-separated)."""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from onewindow_org import ApiError, OrgClient, verify_signature

POLL_S = 5


def say(**fields):
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def load_cursor(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip() or None
    except FileNotFoundError:
        return None


def save_cursor(path, cursor):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(cursor)
    os.replace(tmp, path)  # a crash leaves the old cursor or the new one, never half


def handle(client, item):
    """What this example organization does with a change: accept what is new, complete what
    it accepted. A real one would look at the detail (client.application) first."""
    no, status = item["application_no"], item["status"]
    try:
        if status == "submitted":
            client.step(no, "accepted")
            say(action="accepted", application_no=no, change_seq=item["change_seq"])
        elif status == "accepted":
            client.step(no, "completed", result="approved", note="已办结，请按短信提示领取。")
            say(action="completed", application_no=no, change_seq=item["change_seq"])
        else:
            say(action="seen", application_no=no, status=status, change_seq=item["change_seq"])
    except ApiError as e:
        if e.status == 409:  # someone else moved it first (the citizen withdrew): fine
            say(action="skipped", application_no=no, reason=str(e))
        else:
            raise


def work(args):
    client = OrgClient(args.base, args.client_id, args.client_secret)
    say(action="services", codes=[d["service"]["code"] for d in client.services()])
    cursor = load_cursor(args.cursor_file)
    while True:
        handled = 0
        for page in client.pages(cursor):
            for item in page["items"]:
                handle(client, item)
            handled += len(page["items"])
            cursor = page["next_cursor"]
            save_cursor(args.cursor_file, cursor)
        if handled == 0:  # up to date (our own steps came back as changes: read them too)
            if args.once:
                return 0
            time.sleep(POLL_S)


def webhooks(args):
    seen, lock = set(), threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ok = verify_signature(self.headers.get("OneWindow-Signature"), body, args.secret)
            event_id = self.headers.get("OneWindow-Event-Id")
            with lock:
                repeat = event_id in seen
                if ok:
                    seen.add(event_id)
                if ok and not repeat:
                    event = json.loads(body)
                    with open(args.log, "a", encoding="utf-8") as f:
                        f.write(json.dumps({"event_id": event_id, "type": event["type"],
                                            "data": event["data"]}, ensure_ascii=False) + "\n")
            self.send_response(204 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    say(action="listening", port=server.server_address[1])
    server.serve_forever()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("work")
    w.add_argument("--base", default=os.environ.get("ONEWINDOW_BASE"))
    w.add_argument("--client-id", default=os.environ.get("ONEWINDOW_CLIENT_ID"))
    w.add_argument("--client-secret", default=os.environ.get("ONEWINDOW_CLIENT_SECRET"))
    w.add_argument("--cursor-file", required=True)
    w.add_argument("--once", action="store_true")
    h = sub.add_parser("webhooks")
    h.add_argument("--port", type=int, default=0)
    h.add_argument("--secret", action="append",
                   default=[s for s in os.environ.get("ONEWINDOW_WEBHOOK_SECRETS", "").split(",")
                            if s])
    h.add_argument("--log", required=True)
    args = p.parse_args(argv)
    if args.command == "work":
        if not (args.base and args.client_id and args.client_secret):
            p.error("work needs --base, --client-id and --client-secret")
        return work(args)
    if not args.secret:
        p.error("webhooks needs --secret")
    return webhooks(args)


if __name__ == "__main__":
    sys.exit(main())
