"""The database side of the stack: migrations, settings, and a MariaDB outage under the
running workers (API.md §2: /readyz 503 + Retry-After, /healthz unaffected)."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import assert_problem
from helpers import BIN, ROOT, pid_running, scrape, settings, sql, wait_for


def migration_files():
    names = sorted(os.path.basename(p)[:-4]
                   for p in glob.glob(os.path.join(ROOT, "db", "migrations", "*.sql")))
    assert names, "no migrations"
    return names


def run_admin(env, *args):
    return subprocess.run([os.path.join(BIN, "onewindow-admin"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_migrate_is_idempotent_on_the_stack(stack):
    names = migration_files()
    version = int(names[-1].split("_")[0])
    for _ in range(2):
        r = stack.admin("migrate", check=False)
        assert r.returncode == 0, r.stderr
        # Already applied at start: nothing applied now.
        assert r.stdout.splitlines() == [f"schema_version: {version}"], r.stdout
    rows = sql(stack, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert rows == [[str(int(n.split("_")[0])), n] for n in names]


def test_migrate_applies_once_on_a_fresh_database(stack):
    names = migration_files()
    db = f"ow_e2e_migrate_{uuid.uuid4().hex[:8]}"
    sql(stack, f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    try:
        env = dict(stack.env, ONEWINDOW_DB_DSN=(
            f"mysql://root@localhost/{db}?socket={stack.var_dir}/run/mysqld.sock"))
        first = run_admin(env, "migrate")
        assert first.returncode == 0, first.stderr
        version = int(names[-1].split("_")[0])
        assert first.stdout.splitlines() == [f"applied: {n}" for n in names] + [
            f"schema_version: {version}"]
        second = run_admin(env, "migrate")
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines() == [f"schema_version: {version}"]
        rows = sql(stack, "SELECT version, name, LENGTH(checksum) FROM schema_migrations "
                          "ORDER BY version", database=db)
        assert rows == [[str(int(n.split("_")[0])), n, "64"] for n in names]
        tables = {r[0] for r in sql(stack, "SHOW TABLES", database=db)}
        assert {"schema_migrations", "departments", "topics"} <= tables
    finally:
        sql(stack, f"DROP DATABASE IF EXISTS {db}")


def test_config_prints_name_value_lines(stack):
    r = stack.admin("config")
    lines = r.stdout.splitlines()
    assert lines and all(re.match(r"^[a-z][a-z0-9_]*: ", line) for line in lines), lines
    values = dict(line.split(": ", 1) for line in lines)
    assert len(values) == len(lines)  # no name twice
    assert values["port"] == str(stack.port)
    assert values["db_port"] == str(stack.db_port)
    assert values["var_dir"] == stack.var_dir
    assert values["workers"] == "2" and values["threads"] == "4"  # config/test.conf
    assert values["test_routes"] == "1"
    assert values["timezone"] == "Asia/Shanghai"


def test_config_masks_the_dsn_password(stack):
    env = dict(stack.env, ONEWINDOW_DB_DSN="mysql://app:s3cret-pw@db.example:3306/onewindow")
    values = settings(stack, env)
    assert values["db_dsn"] == "mysql://app:***@db.example:3306/onewindow"
    assert "s3cret-pw" not in run_admin(env, "config").stdout


@pytest.mark.parametrize("value", ["abc", "0", "65", "2x"])
def test_bad_setting_stops_admin_and_fcgi(stack, value):
    scratch = tempfile.mkdtemp(prefix="ow-e2e-badcfg-")
    env = dict(stack.env, ONEWINDOW_WORKERS=value, ONEWINDOW_VAR_DIR=scratch)
    try:
        for cmd in (["onewindow-admin", "config"], ["onewindow-admin", "migrate"],
                    ["onewindow-fcgi"]):
            p = subprocess.Popen([os.path.join(BIN, cmd[0]), *cmd[1:]], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
            try:
                out, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.communicate()
                pytest.fail(f"{cmd} kept running with ONEWINDOW_WORKERS={value}")
            assert p.returncode != 0, (cmd, out, err)
            assert out == "", (cmd, out)
            err_lines = err.splitlines()
            assert len(err_lines) == 1, (cmd, err)
            assert "ONEWINDOW_WORKERS" in err_lines[0], (cmd, err)
        assert not os.path.exists(os.path.join(scratch, "run")), "fcgi opened sockets anyway"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def db_errors(base):
    return scrape(base).get("onewindow_db_errors_total")


def readyz_statuses(base, n=16):
    """n concurrent /readyz answers, so that several threads of both workers are asked."""
    def one(_):
        return requests.get(base + "/readyz", timeout=10)
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.disruptive
def test_database_outage_and_recovery_without_restart(stack, base):
    assert all(r.status_code == 200 for r in readyz_statuses(base))  # connections are open
    master, workers = stack.pid("onewindow-fcgi"), stack.worker_pids()
    pushd = stack.pid("onewindow-pushd")
    errors_before = db_errors(base)
    mysqld = stack.pid("mysqld")
    try:
        os.kill(mysqld, signal.SIGTERM)
        wait_for(lambda: not pid_running(mysqld), 60, interval=0.05, what="MariaDB exit")

        for r in readyz_statuses(base):
            body = assert_problem(r, 503, "unavailable")
            assert int(r.headers["Retry-After"]) >= 1
            assert "SQL" not in body["detail"] and "sock" not in body["detail"]
        en = requests.get(base + "/readyz", headers={"Accept-Language": "en"}, timeout=10)
        assert assert_problem(en, 503, "unavailable")["detail"].isascii()
        for _ in range(4):
            r = requests.get(base + "/healthz", timeout=10)
            assert r.status_code == 200 and r.json() == {"status": "ok"}
        assert db_errors(base) > errors_before
    finally:
        started = time.monotonic()
        stack.script("start")  # starts only what is missing: MariaDB
    wait_for(lambda: requests.get(base + "/readyz", timeout=5).status_code == 200, 10,
             interval=0.05, what="/readyz 200 after MariaDB restart")
    assert time.monotonic() - started < 10
    # Every thread of every worker reconnects by itself: no 503 once the database is back.
    statuses = [r.status_code for r in readyz_statuses(base, 32)]
    assert statuses == [200] * 32, statuses
    assert stack.pid("onewindow-fcgi") == master
    assert stack.worker_pids() == workers
    # onewindow-pushd rode the outage out too: the same process claims a delivery written now
    assert stack.pid("onewindow-pushd") == pushd
    sql(stack, "INSERT INTO outbox (delivery_id, channel, target_ref) "
               "VALUES (UUID(), 'sms', 'after-outage')")
    wait_for(lambda: sql(stack, "SELECT status FROM outbox WHERE target_ref = 'after-outage'")
             == [["done"]], 10, interval=0.1, what="pushd working after the outage")
