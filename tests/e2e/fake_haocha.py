"""A fake provincial 好差评 system for the haocha push channel (docs/API.md §8 "Forwarding
ratings"): plain HTTP on a free loopback port, every POST recorded (path, headers, the JSON
body), answered with the statuses a test scripts (then 200; DROP: no answer at all)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stack import free_port

PATH = "/haocha/ratings"
DROP = 0  # a scripted "status": close the connection without answering


class FakeHaocha:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{PATH}"
        self._lock = threading.Lock()
        self._requests = []
        self._script = {}  # rating id → statuses still to answer, in order
        self._server = None

    def answer(self, rating_id, *statuses):
        """The next tries for rating_id get these statuses (then 200)."""
        with self._lock:
            self._script[str(rating_id)] = list(statuses)

    def requests(self, rating_id=None):
        with self._lock:
            return [r for r in self._requests
                    if rating_id is None or r["body"].get("rating_id") == str(rating_id)]

    def _reply(self, body):
        with self._lock:
            self._requests.append(body)
            script = self._script.get(body["body"].get("rating_id"), [])
            return script.pop(0) if script else 200

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                status = fake._reply({"path": self.path, "headers": dict(self.headers),
                                      "body": body if isinstance(body, dict) else {}})
                if status == DROP:  # the connection closes without an answer
                    self.close_connection = True
                    return
                out = json.dumps({"ok": 200 <= status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
