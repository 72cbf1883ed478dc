"""A fake of every push provider onewindow-pushd talks to (docs/API.md §6 and the providers'
own documentation), in one object: APNs, Huawei Push Kit (HMS) with its OAuth token
endpoint, JPush, WeChat subscribe messages with `stable_token`, and an SMS gateway.

    with FakePush() as fake:
        ...config: fake.settings() (file-only credentials), fake.env() (base URLs)...
        fake.fail_next("apns", 2, status=503)
        fake.requests("apns")

Layout: a threaded Python HTTP/1.1 server does the providers' work (checks auth, answers, and
records every request); in front of it a private nginx (Debian's, `nginx -p DIR`) listens on a
free loopback port with TLS and HTTP/2 and proxies everything to it, passing the request
headers through. TLS because Debian 12's libcurl cannot reuse an h2c (cleartext HTTP/2)
connection; pushd trusts the fake's self-signed certificate through push_ca_file
(`ca_file`). nginx adds three headers of its own that the recorder turns into fields: the
client side's protocol (`HTTP/2.0`), the client connection's serial number and its request
count, so a test can tell HTTP/2 and connection reuse apart.

Paths, all under `base` (https://127.0.0.1:PORT):
    apns          POST /3/device/{token}
    hms_token     POST /oauth2/v3/token                      (hms_oauth_url)
    hms           POST /v1/{appId}/messages:send
    jpush         POST /v3/push
    wechat_token  POST /cgi-bin/stable_token
    wechat        POST /cgi-bin/message/subscribe/send?access_token=…
    sms           POST /sms/send      (sms_url: plain HTTP on `plain_base`, see sms_url)

Every channel answers like its provider unless a rule says otherwise (`answer`, `fail_next`,
`hang`, `gone`, `expired`): rules are tried in the order they were added, may be limited to
one device token (APNs/HMS/JPush token, WeChat openid, SMS phone) and to a number of uses,
and a used-up rule is skipped. Auth is checked on every request and recorded
(`entry["auth_ok"]`, `entry["auth_error"]`); with no rule, a request whose auth fails gets
the provider's own answer to that (APNs 403 InvalidProviderToken or ExpiredProviderToken,
HMS 401, JPush 401, WeChat 40001/42001).
"""
import base64
import binascii
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from stack import service_readable

CHANNELS = ("apns", "hms_token", "hms", "jpush", "wechat_token", "wechat", "sms")
HMS_OAUTH_PATH = "/oauth2/v3/token"
WECHAT_TOKEN_PATH = "/cgi-bin/stable_token"
WECHAT_SEND_PATH = "/cgi-bin/message/subscribe/send"
JPUSH_PATH = "/v3/push"
SMS_PATH = "/sms/send"
APNS_PREFIX = "/3/device/"
JWT_MAX_AGE_S = 3600  # APNs refuses provider tokens older than an hour
JWT_FUTURE_S = 60

# nginx's own headers (see the config below), turned into fields of the record
H_PROTOCOL, H_CONN, H_CONN_REQUESTS = "x-fake-protocol", "x-fake-connection", \
    "x-fake-connection-requests"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url_decode(text):
    if not isinstance(text, str) or any(c in text for c in "+/="):
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_es256(token, public_key):
    """(header, claims) of a compact JWS signed with ES256 by public_key's private key;
    ValueError when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error) as e:
        raise ValueError(f"undecodable: {e}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("header or claims not an object")
    if header.get("alg") != "ES256":
        raise ValueError(f"alg {header.get('alg')!r}")
    if len(signature) != 64:
        raise ValueError(f"signature of {len(signature)} bytes, not raw R||S")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("bad signature") from None
    return header, claims


class Reply:
    """A scripted answer: status and a JSON body (or raw bytes), extra headers; delay seconds
    first (a hang). status None: after the delay, the provider's normal answer. drop: close
    the connection without an answer (nginx then answers 502)."""

    def __init__(self, status=200, body=None, raw=None, headers=None, delay=0.0, drop=False,
                 content_type="application/json"):
        self.status, self.body, self.raw = status, body, raw
        self.headers, self.delay, self.drop = dict(headers or {}), delay, drop
        self.content_type = content_type

    def payload(self):
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")

    def __repr__(self):
        return f"Reply({self.status}, {self.body if self.raw is None else self.raw!r})"


class Rule:
    def __init__(self, channel, reply, token=None, times=None):
        self.channel, self.reply, self.token, self.times = channel, reply, token, times

    def matches(self, entry):
        return (self.channel == entry["channel"] and self.times != 0
                and (self.token is None or self.token == entry["token"]))


class FakePush:
    """Every provider of the spec behind one TLS + HTTP/2 nginx. Use as a context manager."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ow-fake-push-")
        self.lock = threading.Lock()
        self.wake = threading.Event()  # set by reset()/stop(): cuts hangs short
        self.log = []
        self.rules = []
        self.expires_in = {}
        self.issued = {}  # channel -> {access token: expiry (time.time())}
        self.revoked = {}  # channel -> set of refused tokens (APNs: JWT strings)
        self.jwts = []  # every APNs provider token seen, in order of first use
        self.counter = 0
        # credentials (the config file's file-only settings)
        self.apns_team_id = "TEAM" + secrets.token_hex(3).upper()
        self.apns_key_id = "KEY" + secrets.token_hex(4).upper()[:7]
        self.apns_topic = "cn.gov.onewindow.e2e"
        self.hms_app_id = str(100000000 + secrets.randbelow(800000000))
        self.hms_app_secret = secrets.token_hex(32)
        self.jpush_app_key = secrets.token_hex(12)
        self.jpush_master_secret = secrets.token_hex(12)
        self.wechat_appid = "wx" + secrets.token_hex(8)
        self.wechat_secret = secrets.token_hex(16)
        # the APNs key pair: the private key as Apple hands it out (.p8, PKCS#8 PEM)
        self.apns_private_key = ec.generate_private_key(ec.SECP256R1())
        self.apns_public_key = self.apns_private_key.public_key()
        self.apns_key_file = os.path.join(self.dir, f"AuthKey_{self.apns_key_id}.p8")
        self.apns_public_key_pem = self.apns_public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.ca_file = os.path.join(self.dir, "cert.pem")
        self.key_file = os.path.join(self.dir, "key.pem")
        self.server = self.thread = self.nginx = None
        self.port = None
        self.reset()

    # --- configuration for pushd ----------------------------------------------------------
    @property
    def base(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def hms_oauth_url(self):
        return self.base + HMS_OAUTH_PATH

    @property
    def plain_base(self):
        """The Python server itself (plain HTTP/1.1), without nginx."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def sms_url(self):
        """Plain HTTP: the same sms_url carries the login codes that onewindow-fcgi sends,
        and push_ca_file is pushd's setting only."""
        return self.plain_base + SMS_PATH

    def settings(self):
        """The config-file settings that point pushd at this fake (credentials: file only)."""
        return {
            "push_ca_file": self.ca_file,
            "apns_team_id": self.apns_team_id, "apns_key_id": self.apns_key_id,
            "apns_key_file": self.apns_key_file, "apns_topic": self.apns_topic,
            "hms_oauth_url": self.hms_oauth_url,
            "hms_app_id": self.hms_app_id, "hms_app_secret": self.hms_app_secret,
            "jpush_app_key": self.jpush_app_key,
            "jpush_master_secret": self.jpush_master_secret,
            "wechat_appid": self.wechat_appid, "wechat_secret": self.wechat_secret,
        }

    def env(self):
        """The base URLs, which may come from the environment."""
        return {"ONEWINDOW_APNS_BASE": self.base, "ONEWINDOW_HMS_BASE": self.base,
                "ONEWINDOW_JPUSH_BASE": self.base, "ONEWINDOW_WECHAT_API_BASE": self.base}

    def secrets(self):
        """Values that must never appear in a log."""
        return [self.hms_app_secret, self.jpush_master_secret, self.wechat_secret,
                base64.b64encode(f"{self.jpush_app_key}:{self.jpush_master_secret}".encode())
                .decode()]

    # --- controls --------------------------------------------------------------------------
    def reset(self):
        """Forgets the requests and rules, cuts hangs short, restores the default token
        lifetimes. Tokens handed out stay valid (pushd may hold them)."""
        with self.lock:
            self.log = []
            self.rules = []
            self.expires_in = {"hms_token": 3600, "wechat_token": 7200}
            self.wake.set()
            self.wake = threading.Event()

    def answer(self, channel, reply, token=None, times=None):
        """From now on (times uses, or for good) answer channel's requests (of one device
        token / openid / phone, if given) with reply: a Reply, or "ok" (the provider's normal
        answer), "gone" (the provider's own "this token is gone"), "expired" (its own "your
        access token / provider token expired")."""
        assert channel in CHANNELS, channel
        if reply == "ok":
            reply = Reply(status=None)
        elif reply == "gone":
            reply = self.gone_reply(channel)
        elif reply == "expired":
            reply = self.expired_reply(channel)
        with self.lock:
            self.rules.append(Rule(channel, reply, token, times))

    def fail_next(self, channel, k, status=500, body=None, token=None):
        """The next k requests get status (and body); later ones succeed again."""
        if body is None:
            body = {"reason": "InternalServerError"} if channel == "apns" else \
                {"error": "fake failure", "status": status}
        self.answer(channel, Reply(status, body), token=token, times=k)

    def hang(self, channel, seconds, times=None, token=None):
        """Requests wait seconds before the normal answer (for good, or times requests)."""
        self.answer(channel, Reply(status=None, delay=seconds), token=token, times=times)

    def gone(self, channel, token=None, times=None):
        self.answer(channel, "gone", token=token, times=times)

    def expired(self, channel, token=None, times=None):
        self.answer(channel, "expired", token=token, times=times)

    def revoke_tokens(self, channel):
        """The provider forgets every token it issued (hms, wechat) or seen (apns): the next
        request with one gets the provider's own "expired" answer."""
        with self.lock:
            if channel == "apns":
                self.revoked.setdefault("apns", set()).update(self.jwts)
            else:
                self.revoked.setdefault(channel, set()).update(self.issued.get(channel, {}))

    def gone_reply(self, channel):
        return {
            "apns": Reply(410, {"reason": "Unregistered",
                                "timestamp": int(time.time() * 1000)}),
            "hms": Reply(200, {"code": "80300007", "msg": "All the tokens are invalid",
                               "requestId": secrets.token_hex(8)}),
            "jpush": Reply(400, {"error": {"code": 1011, "message": "cannot find user by "
                                           "this audience or has been inactive for more "
                                           "than 255 days"}}),
            "wechat": Reply(200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}),
        }[channel]

    def expired_reply(self, channel):
        return {
            "apns": Reply(403, {"reason": "ExpiredProviderToken"}),
            "hms": Reply(401, {"code": "80200003", "msg": "OAuth token expired"}),
            "wechat": Reply(200, {"errcode": 42001, "errmsg": "access_token expired"}),
        }[channel]

    # --- what arrived ----------------------------------------------------------------------
    def mark(self):
        with self.lock:
            return len(self.log)

    def requests(self, channel=None, since=0, token=None):
        """Recorded requests (dicts), oldest first: channel, method, path, query, raw_query,
        headers (lower-case names), body (bytes), json, form, token (the device token,
        openid or phone addressed), at (time.time()), mono, protocol (the client side's:
        HTTP/2.0), connection, connection_requests, auth_ok, auth_error, jwt_header,
        jwt_claims, bearer, status (what the fake answered; None while hanging)."""
        with self.lock:
            entries = list(self.log[since:])
        return [e for e in entries if (channel is None or e["channel"] == channel)
                and (token is None or e["token"] == token)]

    def wait_requests(self, channel, n, timeout=10, since=0, token=None):
        deadline = time.monotonic() + timeout
        while True:
            got = self.requests(channel, since, token)
            if len(got) >= n:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError(f"{channel}: {len(got)} of {n} requests within {timeout} s"
                                     f" (token {token})")
            time.sleep(0.02)

    def tokens_issued(self, channel):
        with self.lock:
            return list(self.issued.get(channel, {}))

    # --- serving ---------------------------------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        service_readable(self.dir)  # onewindow-pushd reads the key and the CA in it
        with open(self.apns_key_file, "wb") as f:
            os.chmod(self.apns_key_file, 0o600)
            service_readable(self.apns_key_file)  # onewindow-pushd reads it
            f.write(self.apns_private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", self.key_file, "-out", self.ca_file, "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=30)
        self._start_python()
        self._start_nginx()
        return self

    def stop(self):
        self.wake.set()
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(timeout=10)
        self.nginx = None
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def _start_python(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake._handle(self)

            do_GET = do_PUT = do_DELETE = do_POST

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # nginx gave up on a hanging answer: broken pipes are expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _start_nginx(self):
        self.port = _free_port()
        temp = os.path.join(self.dir, "temp")
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(temp, name), exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = f"""{user}
worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    keepalive_timeout 600s;
    keepalive_requests 100000;
    http2_max_concurrent_streams 256;
    client_max_body_size 1m;
    server {{
        listen 127.0.0.1:{self.port} ssl http2;
        ssl_certificate {self.ca_file};
        ssl_certificate_key {self.key_file};
        location / {{
            proxy_pass http://127.0.0.1:{self.server.server_address[1]};
            proxy_set_header Host $http_host;
            proxy_set_header X-Fake-Protocol $server_protocol;
            proxy_set_header X-Fake-Connection $connection;
            proxy_set_header X-Fake-Connection-Requests $connection_requests;
            proxy_read_timeout 600s;
            proxy_buffering off;
        }}
    }}
}}
"""
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.nginx = subprocess.Popen(
            ["nginx", "-p", self.dir, "-c", path, "-e", os.path.join(self.dir, "nginx-error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        try:
            with open(os.path.join(self.dir, "nginx-error.log")) as f:
                errors = f.read()
        except OSError:
            errors = ""
        raise RuntimeError(f"the fake's nginx did not start: {errors}")

    # --- one request -----------------------------------------------------------------------
    def _handle(self, h):
        u = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        entry = {
            "method": h.command, "path": u.path, "raw_query": u.query,
            "query": {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()},
            "protocol": headers.pop(H_PROTOCOL, None),
            "connection": headers.pop(H_CONN, None),
            "connection_requests": headers.pop(H_CONN_REQUESTS, None),
            "headers": headers, "body": raw, "json": None, "form": None,
            "at": time.time(), "mono": time.monotonic(), "token": None,
            "auth_ok": None, "auth_error": None, "jwt_header": None, "jwt_claims": None,
            "bearer": None, "status": None,
        }
        try:
            entry["json"] = json.loads(raw) if raw else None
        except ValueError:
            pass
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            entry["form"] = {k: v[0] for k, v in
                             parse_qs(raw.decode("utf-8", "replace"), True).items()}
        entry["channel"] = self._channel(entry)
        entry["token"] = self._target(entry)
        with self.lock:
            self.counter += 1
            serial = self.counter
            self.log.append(entry)
            wake = self.wake
        natural = self._natural(entry, serial)  # checks auth (recorded) whatever answers
        reply = self._scripted(entry) or natural
        if reply.delay:
            wake.wait(reply.delay)
        if reply.status is None:
            reply = natural
        entry["status"] = reply.status
        if reply.drop:
            h.close_connection = True
            return
        payload = reply.payload()
        try:
            h.send_response(reply.status)
            if payload or reply.body is not None:
                h.send_header("Content-Type", reply.content_type)
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except OSError:
            pass  # the client gave up (its timeout) and nginx closed the upstream connection

    def _channel(self, e):
        p = e["path"]
        if p.startswith(APNS_PREFIX):
            return "apns"
        if p == HMS_OAUTH_PATH:
            return "hms_token"
        if p.startswith("/v1/") and p.endswith("/messages:send"):
            return "hms"
        if p == JPUSH_PATH:
            return "jpush"
        if p == WECHAT_TOKEN_PATH:
            return "wechat_token"
        if p == WECHAT_SEND_PATH:
            return "wechat"
        if p == SMS_PATH:
            return "sms"
        return "unknown"

    @staticmethod
    def _target(e):
        j = e["json"] if isinstance(e["json"], dict) else {}
        try:
            if e["channel"] == "apns":
                return unquote(e["path"][len(APNS_PREFIX):])
            if e["channel"] == "hms":
                return j["message"]["token"][0]
            if e["channel"] == "jpush":
                return j["audience"]["registration_id"][0]
            if e["channel"] == "wechat":
                return j["touser"]
            if e["channel"] == "sms":
                return j["phone"]
        except (KeyError, IndexError, TypeError):
            pass
        return None

    def _scripted(self, entry):
        with self.lock:
            for rule in self.rules:
                if rule.matches(entry):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.reply
        return None

    def _issue(self, channel, entry):
        token = f"{channel.split('_')[0]}-{secrets.token_urlsafe(24)}"
        with self.lock:
            expires_in = self.expires_in[channel]
            self.issued.setdefault(channel.split("_")[0], {})[token] = time.time() + expires_in
        entry["issued"] = token
        return token, expires_in

    def _token_state(self, channel, token):
        """'ok', 'unknown', 'revoked' or 'expired' of an access token of hms / wechat."""
        with self.lock:
            expiry = self.issued.get(channel, {}).get(token)
            revoked = token in self.revoked.get(channel, set())
        if expiry is None:
            return "unknown"
        if revoked:
            return "revoked"
        return "expired" if time.time() >= expiry else "ok"

    def _fail(self, entry, why):
        entry["auth_ok"], entry["auth_error"] = False, why

    def _natural(self, e, serial):
        """The provider's own answer (and the auth check, recorded in e)."""
        c = e["channel"]
        if e["method"] != "POST":
            return Reply(405, {"error": "method not allowed"})
        if c == "apns":
            return self._apns(e)
        if c == "hms_token":
            f = e["form"] or {}
            ok = (f.get("grant_type") == "client_credentials" and
                  f.get("client_id") == self.hms_app_id and
                  f.get("client_secret") == self.hms_app_secret)
            e["auth_ok"] = ok
            if not ok:
                self._fail(e, "bad client credentials or grant type")
                return Reply(400, {"error": 1101, "sub_error": 20052,
                                   "error_description": "invalid client"})
            token, expires_in = self._issue(c, e)
            return Reply(200, {"access_token": token, "expires_in": expires_in,
                               "token_type": "Bearer"})
        if c == "hms":
            auth = e["headers"].get("authorization", "")
            scheme, _, token = auth.partition(" ")
            e["bearer"] = token
            state = self._token_state("hms", token) if scheme.lower() == "bearer" else "unknown"
            e["auth_ok"] = state == "ok"
            if state != "ok":
                self._fail(e, f"access token {state}")
                code = "80200003" if state in ("expired", "revoked") else "80200001"
                return Reply(401, {"code": code, "msg": "OAuth token expired"
                                   if code == "80200003" else "Oauth authentication error",
                                   "requestId": secrets.token_hex(8)})
            app = e["path"][len("/v1/"):-len("/messages:send")]
            if app != self.hms_app_id:
                return Reply(404, {"code": "80100000", "msg": "app not found"})
            return Reply(200, {"code": "80000000", "msg": "Success",
                               "requestId": secrets.token_hex(8)})
        if c == "jpush":
            expected = "Basic " + base64.b64encode(
                f"{self.jpush_app_key}:{self.jpush_master_secret}".encode()).decode()
            ok = e["headers"].get("authorization") == expected
            e["auth_ok"] = ok
            if not ok:
                self._fail(e, "bad basic credentials")
                return Reply(401, {"error": {"code": 1004, "message": "Authen failed"}})
            return Reply(200, {"sendno": "0", "msg_id": str(54000000 + serial)})
        if c == "wechat_token":
            j = e["json"] if isinstance(e["json"], dict) else {}
            ok = (j.get("grant_type") == "client_credential" and j.get("appid") ==
                  self.wechat_appid and j.get("secret") == self.wechat_secret)
            e["auth_ok"] = ok
            if not ok:
                self._fail(e, "bad appid, secret or grant type")
                return Reply(200, {"errcode": 40013, "errmsg": "invalid appid"})
            token, expires_in = self._issue(c, e)
            return Reply(200, {"access_token": token, "expires_in": expires_in})
        if c == "wechat":
            token = e["query"].get("access_token", "")
            e["bearer"] = token
            state = self._token_state("wechat", token)
            e["auth_ok"] = state == "ok"
            if state == "expired":
                self._fail(e, "access token expired")
                return Reply(200, {"errcode": 42001, "errmsg": "access_token expired"})
            if state != "ok":
                self._fail(e, f"access token {state}")
                return Reply(200, {"errcode": 40001, "errmsg": "invalid credential, "
                                   "access_token is invalid or not latest"})
            return Reply(200, {"errcode": 0, "errmsg": "ok", "msgid": 700000 + serial})
        if c == "sms":
            e["auth_ok"] = True
            return Reply(200, {"result": "accepted", "id": f"sms-{serial}"})
        return Reply(404, {"error": "no such provider path"})

    def _apns(self, e):
        auth = e["headers"].get("authorization", "")
        scheme, _, token = auth.partition(" ")
        e["bearer"] = token
        if scheme.lower() != "bearer" or not token:
            self._fail(e, "no bearer provider token")
            return Reply(403, {"reason": "MissingProviderToken"})
        with self.lock:
            if token not in self.jwts:
                self.jwts.append(token)
            revoked = token in self.revoked.get("apns", set())
        try:
            header, claims = verify_es256(token, self.apns_public_key)
        except ValueError as err:
            self._fail(e, f"provider token: {err}")
            return Reply(403, {"reason": "InvalidProviderToken"})
        e["jwt_header"], e["jwt_claims"] = header, claims
        iat = claims.get("iat")
        now = time.time()
        if header.get("kid") != self.apns_key_id or claims.get("iss") != self.apns_team_id:
            self._fail(e, f"kid {header.get('kid')!r} / iss {claims.get('iss')!r}")
            return Reply(403, {"reason": "InvalidProviderToken"})
        if not isinstance(iat, int) or isinstance(iat, bool) or iat > now + JWT_FUTURE_S:
            self._fail(e, f"iat {iat!r}")
            return Reply(403, {"reason": "InvalidProviderToken"})
        if revoked or iat < now - JWT_MAX_AGE_S:
            self._fail(e, "provider token expired")
            return Reply(403, {"reason": "ExpiredProviderToken"})
        e["auth_ok"] = True
        return Reply(200, None, headers={"apns-id": e["headers"].get("apns-id", "")})
