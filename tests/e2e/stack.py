"""A private onewindow stack for the e2e tests: free ports, a temporary var dir, and the
same scripts/stack.sh that `make run` uses."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import requests

import contract

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# `make asan` points this at the sanitizer build.
BIN = os.environ.get("ONEWINDOW_BIN", os.path.join(ROOT, "build", "bin"))
SERVICE_USER = "onewindow"  # the default of the setting service_user


def service_readable(path):
    """Lets the services read path (a config file with credentials, a key, a folder of a fake
    provider): group of the service user, 0640 (0750 for a folder), when the tests run as root
    and the services as their own user (README "Privileges"); never world-readable."""
    if os.geteuid() != 0:
        return
    subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "accounts"], check=True,
                   capture_output=True, timeout=60)
    shutil.chown(path, group=SERVICE_USER)
    os.chmod(path, 0o750 if os.path.isdir(path) else 0o640)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, env=None):
        """env: extra settings (ONEWINDOW_*) for a stack of its own, e.g. production limits
        or fake providers."""
        self.var_dir = tempfile.mkdtemp(prefix="ow-e2e-")
        self.port = free_port()
        self.db_port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({
            "ONEWINDOW_CONFIG": os.path.join(ROOT, "config", "test.conf"),
            "ONEWINDOW_VAR_DIR": self.var_dir,
            "ONEWINDOW_PORT": str(self.port),
            "ONEWINDOW_DB_PORT": str(self.db_port),
        })
        self.env.update(env or {})

    def script(self, *args, check=True, timeout=180):
        return subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), *args], env=self.env,
                              check=check, timeout=timeout, capture_output=True, text=True)

    def admin(self, *args, check=True):
        return subprocess.run([os.path.join(BIN, "onewindow-admin"), *args],
                              env=self.env, check=check, capture_output=True, text=True,
                              timeout=120)

    def start(self):
        r = self.script("start", check=False)
        # stack.sh says why on stderr (a port taken, MariaDB that did not start …): show it.
        assert r.returncode == 0, f"scripts/stack.sh start failed:\n{r.stderr[-3000:]}"
        contract.watch(self.base)  # its answers are checked against api/openapi.yaml

    def stop(self):
        self.script("stop", check=False)

    def destroy(self):
        self.stop()
        findings = self.sanitizer_findings()
        shutil.rmtree(self.var_dir, ignore_errors=True)
        assert not findings, "sanitizer reports in the server log:\n" + "\n".join(findings)

    def sanitizer_findings(self):
        """ASan/UBSan reports written by the workers (make asan): they fail the run."""
        try:
            with open(self.log_path("onewindow.log"), errors="replace") as f:
                return [l for l in f if "AddressSanitizer" in l or "runtime error:" in l][:20]
        except FileNotFoundError:
            return []

    # --- processes -------------------------------------------------------------------
    def pid(self, name):
        with open(os.path.join(self.var_dir, "run", f"{name}.pid")) as f:
            return int(f.read().strip())

    def worker_pids(self):
        """The worker processes of the fcgi master, from /proc."""
        master = self.pid("onewindow-fcgi")
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                             text=True).stdout
        return sorted(int(p) for p in out.split())

    def log_path(self, name):
        return os.path.join(self.var_dir, "log", name)

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False
