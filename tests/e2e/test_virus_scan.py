"""The optional virus scan of uploads (`clamd_socket`, storage/clamd.c): a stack of its own
with a real clamd (Debian's clamav-daemon) started offline on a database of one body
signature for the EICAR test string (LIBRARY-FACTS.md: no signature download is possible
here). A file that carries EICAR is refused (400, nothing stored, nothing counted), a clean
one passes, and a scanner that does not answer makes uploads 503, never unscanned."""
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import assert_problem
from helpers import field_errors, sql, wait_for
from media import EICAR, pdf, png, png_with_chunk
from people import new_citizen, upload, uploaded
from stack import Stack

CLAMD = "/usr/sbin/clamd"
SIGNATURE = "Onewindow-E2E-EICAR"


class Clamd:
    """clamd in the foreground on a unix socket in a temporary folder."""

    def __init__(self):
        assert os.access(CLAMD, os.X_OK), "clamd is missing: scripts/deps.sh test"
        self.dir = tempfile.mkdtemp(prefix="ow-e2e-clamd-")
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, "clamd.sock")
        db = os.path.join(self.dir, "db")
        os.mkdir(db)
        with open(os.path.join(db, "eicar.ndb"), "w") as f:
            f.write(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")  # anywhere in any file
        conf = os.path.join(self.dir, "clamd.conf")
        with open(conf, "w") as f:
            f.write(f"LocalSocket {self.socket}\nDatabaseDirectory {db}\nForeground yes\n"
                    f"LogFile {self.dir}/clamd.log\nTemporaryDirectory {self.dir}\n"
                    f"PidFile {self.dir}/clamd.pid\nBytecode no\nStreamMaxLength 11M\n")
        self.proc = subprocess.Popen([CLAMD, "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, start_new_session=True)

        def ready():
            assert self.proc.poll() is None, open(f"{self.dir}/clamd.log").read()[-2000:]
            return os.path.exists(self.socket)
        wait_for(ready, 60, interval=0.1, what="clamd listening")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def scanned():
    clamd = Clamd()
    stack = Stack({"ONEWINDOW_CLAMD_SOCKET": clamd.socket})
    try:
        stack.start()
        yield stack, clamd
    finally:
        stack.destroy()
        clamd.stop()
        shutil.rmtree(clamd.dir, ignore_errors=True)


def counts(stack, citizen):
    """(uploads rows, uploads counted today) of a citizen."""
    rows = sql(stack, f"SELECT (SELECT COUNT(*) FROM uploads WHERE citizen_id = {citizen.id}), "
                      f"(SELECT COALESCE(SUM(uploads), 0) FROM upload_days "
                      f"WHERE citizen_id = {citizen.id})")[0]
    return int(rows[0]), int(rows[1])


def test_eicar_is_refused_and_clean_files_pass(scanned, http):
    stack, _ = scanned
    c = new_citizen(stack, http, stack.base, verified=False)
    uploaded(http, stack.base, c, png())
    uploaded(http, stack.base, c, pdf(), "application/pdf")
    before = counts(stack, c)
    # a well-formed PNG whose private chunk carries the EICAR test string: only the scan
    # can refuse it
    infected = png_with_chunk(EICAR)
    r = upload(http, stack.base, c, infected, "image/png")
    assert field_errors(r) == [""], r.text
    assert "virus" in r.json()["errors"][0]["message"] or "病毒" in r.text
    assert counts(stack, c) == before
    # the EICAR file itself, declared as a PDF: refused (it is not one)
    assert_problem(upload(http, stack.base, c, EICAR, "application/pdf"), 415,
                   "unsupported_media_type")
    # the same PNG without the string passes
    uploaded(http, stack.base, c, png_with_chunk(b"harmless private bytes, no test string"))


def test_a_silent_scanner_makes_uploads_unavailable(scanned, http):
    stack, clamd = scanned
    c = new_citizen(stack, http, stack.base, verified=False)
    clamd.stop()
    wait_for(lambda: clamd.proc.poll() is not None, 20, what="clamd stopped")
    r = upload(http, stack.base, c, png())
    assert_problem(r, 503, "unavailable")
    assert r.headers.get("Retry-After"), r.headers
    assert counts(stack, c) == (0, 0)
