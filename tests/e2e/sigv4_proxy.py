"""An S3 front for the tests that checks every request's AWS Signature Version 4 with an
independent implementation (Debian's python3-botocore) before passing it on to s3rver, which
checks none (LIBRARY-FACTS.md). A request without a valid signature, with a wrong key, a body
that is not the one signed, an expired presigned URL or a clock far off is refused with 403,
as a real object store would refuse it; every verdict is counted, so that a test can tell that
the requests it made were checked.

Both kinds the worker makes are checked: header-signed requests (libcurl's CURLOPT_AWS_SIGV4:
PUT, HEAD, DELETE, GET of the listing) and presigned GETs (storage/s3.c, fetched by nginx)."""
import datetime
import hashlib
import http.client
import http.server
import re
import threading
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/s3/aws4_request,"
                     r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")
CLOCK_SKEW = datetime.timedelta(minutes=15)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "expect"}


def _amz_time(text):
    return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)


class SigV4Checker:
    """The verdict on one request: None when the signature is right, else the reason."""

    def __init__(self, access_key, secret_key, region):
        self.credentials = Credentials(access_key, secret_key)
        self.access_key, self.region = access_key, region

    def check(self, method, raw_path, headers, body, now=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        query = dict(parse_qsl(urlsplit(raw_path).query, keep_blank_values=True))
        if "X-Amz-Signature" in query:
            return self._check_presigned(method, raw_path, headers, query, now)
        auth = headers.get("Authorization")
        if not auth:
            return "no signature"
        m = AUTH_RE.match(auth)
        if not m:
            return "malformed Authorization"
        access, day, region, signed, signature = m.groups()
        if access != self.access_key:
            return "unknown access key"
        if region != self.region:
            return "wrong region"
        stamp = headers.get("X-Amz-Date", "")
        try:
            at = _amz_time(stamp)
        except ValueError:
            return "no X-Amz-Date"
        if stamp[:8] != day or abs(now - at) > CLOCK_SKEW:
            return "date outside the allowed skew"
        content_sha = headers.get("X-Amz-Content-SHA256")
        if not content_sha:
            return "no x-amz-content-sha256"
        if content_sha != "UNSIGNED-PAYLOAD" and content_sha != hashlib.sha256(body).hexdigest():
            return "body is not the one signed"
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names:
            return "host and x-amz-date must be signed"
        missing = [n for n in names if headers.get(n) is None]
        if missing:
            return f"signed headers missing: {missing}"
        request = AWSRequest(method=method, url=f"http://{headers['Host']}{raw_path}",
                             headers={n: headers[n] for n in names})
        request.context["timestamp"] = stamp
        signer = S3SigV4Auth(self.credentials, "s3", self.region)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request)
        return None if expected == signature else "SignatureDoesNotMatch"

    def _check_presigned(self, method, raw_path, headers, query, now):
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            return "wrong algorithm"
        credential = query.get("X-Amz-Credential", "").split("/")
        if len(credential) != 5 or credential[0] != self.access_key:
            return "unknown access key"
        if credential[2] != self.region or credential[3:] != ["s3", "aws4_request"]:
            return "wrong scope"
        if query.get("X-Amz-SignedHeaders") != "host":
            return "only host may be signed in a presigned GET here"
        stamp = query.get("X-Amz-Date", "")
        try:
            at, expires = _amz_time(stamp), int(query.get("X-Amz-Expires", ""))
        except ValueError:
            return "malformed date or expiry"
        if credential[1] != stamp[:8] or not 1 <= expires <= 604800:
            return "malformed date or expiry"
        if now > at + datetime.timedelta(seconds=expires) or at - now > CLOCK_SKEW:
            return "expired"
        # the URL as signed: every parameter but the signature, encoded as it came
        path, _, raw_query = raw_path.partition("?")
        unsigned = "&".join(p for p in raw_query.split("&")
                            if not p.startswith("X-Amz-Signature="))
        request = AWSRequest(method=method, url=f"http://{headers['Host']}{path}?{unsigned}",
                             headers={"host": headers["Host"]})
        request.context["timestamp"] = stamp
        signer = S3SigV4QueryAuth(self.credentials, "s3", self.region, expires=expires)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request)
        return None if expected == query["X-Amz-Signature"] else "SignatureDoesNotMatch"


class SigV4Proxy:
    """A threaded HTTP server on 127.0.0.1:port in front of the S3 server at upstream
    (host, port). verdicts counts (method, "ok" | reason); requests lists (method, path,
    verdict) in order."""

    def __init__(self, upstream, access_key, secret_key, region):
        self.upstream = upstream
        self.checker = SigV4Checker(access_key, secret_key, region)
        self.verdicts = Counter()
        self.requests = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                verdict = proxy.checker.check(self.command, self.path, self.headers, body)
                with proxy.lock:
                    proxy.verdicts[(self.command, verdict or "ok")] += 1
                    proxy.requests.append((self.command, self.path, verdict or "ok"))
                if verdict:
                    self._answer(403, {"Content-Type": "application/xml"},
                                 b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                                 b"SignatureDoesNotMatch</Code><Message>" + verdict.encode() +
                                 b"</Message></Error>")
                    return
                status, headers, data = proxy.forward(self.command, self.path, self.headers,
                                                      body)
                self._answer(status, headers, data)

            def _answer(self, status, headers, data):
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(method, path, body=body if body or method == "PUT" else None,
                         headers=out)
            r = conn.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            conn.close()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, method, verdict="ok"):
        with self.lock:
            return self.verdicts[(method, verdict)]

    def seen(self, method, path_part):
        """The verdicts of the requests of method whose path contains path_part."""
        with self.lock:
            return [v for m, p, v in self.requests if m == method and path_part in p]
