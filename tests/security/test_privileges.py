"""Least privilege (issue 12, finding 4): no process of the stack runs as root after start-up,
the FastCGI sockets are reachable only by nginx's workers, and the API's database account
holds the DML it needs and nothing else (README, "Privileges")."""
import grp
import os
import pwd
import socket
import stat
import subprocess

import pytest

from helpers import ROOT, sql


def proc_ids(pid):
    """(real, effective, saved, filesystem) uids and gids of a process, from /proc."""
    uids = gids = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                uids = [int(x) for x in line.split()[1:]]
            elif line.startswith("Gid:"):
                gids = [int(x) for x in line.split()[1:]]
            elif line.startswith("Groups:"):
                groups = [int(x) for x in line.split()[1:]]
    return uids, gids, groups


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def stack_processes(stack):
    """name → pids of every long-running process of the stack (nginx's master apart)."""
    master = stack.pid("onewindow-fcgi")
    procs = {
        "mariadbd": [stack.pid("mysqld")],
        "onewindow-fcgi master": [master],
        "onewindow-fcgi workers": stack.worker_pids(),
        "onewindow-pushd": [stack.pid("onewindow-pushd")],
        "nginx workers": children(stack.pid("nginx")),
    }
    for name, pids in procs.items():
        assert pids, f"no {name} found"
    return procs


def test_no_process_of_the_stack_runs_as_root(stack):
    """Every uid and gid (real, effective, saved, filesystem) is not 0, and no process keeps
    root's group in its supplementary groups. nginx's master alone stays root: it reads the
    configuration and opens the port and the logs, and never handles a request."""
    for name, pids in stack_processes(stack).items():
        for pid in pids:
            uids, gids, groups = proc_ids(pid)
            assert 0 not in uids, f"{name} (pid {pid}) runs with uids {uids}"
            assert 0 not in gids, f"{name} (pid {pid}) runs with gids {gids}"
            assert 0 not in groups, f"{name} (pid {pid}) keeps root's group: {groups}"


def test_the_app_and_nginx_workers_are_different_users(stack):
    """A hole in nginx must not hand over the master key or the database password."""
    procs = stack_processes(stack)
    app = {proc_ids(p)[0][1] for p in procs["onewindow-fcgi workers"] + procs["onewindow-pushd"]}
    web = {proc_ids(p)[0][1] for p in procs["nginx workers"]}
    db = {proc_ids(p)[0][1] for p in procs["mariadbd"]}
    assert len(app) == 1 and len(web) == 1 and len(db) == 1, (app, web, db)
    assert app.isdisjoint(web) and app.isdisjoint(db) and web.isdisjoint(db), (app, web, db)


def fcgi_sockets(stack):
    run = os.path.join(stack.var_dir, "run")
    paths = sorted(os.path.join(run, n) for n in os.listdir(run) if n.startswith("fcgi-"))
    assert paths, "no FastCGI socket"
    return paths


def test_fastcgi_sockets_are_0660_for_nginx_workers_only(stack):
    procs = stack_processes(stack)
    app_uid = proc_ids(procs["onewindow-fcgi workers"][0])[0][1]
    web_uid, web_gid = (proc_ids(procs["nginx workers"][0])[i][1] for i in (0, 1))
    for path in fcgi_sockets(stack):
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode), path
        assert stat.S_IMODE(st.st_mode) == 0o660, f"{path}: {oct(stat.S_IMODE(st.st_mode))}"
        assert st.st_uid == app_uid, f"{path} is owned by uid {st.st_uid}"
        assert st.st_gid == web_gid, f"{path}: group {st.st_gid}, nginx workers {web_gid}"
    # The group is shared with nginx only: no other account has it, as primary group or member.
    group = grp.getgrgid(web_gid)
    web_user = pwd.getpwuid(web_uid).pw_name
    assert set(group.gr_mem) <= {web_user}, group
    others = [u.pw_name for u in pwd.getpwall() if u.pw_gid == web_gid and u.pw_uid != web_uid]
    assert others == [], others


def test_another_local_user_cannot_speak_fastcgi(stack):
    """Before: sockets were 0666, so any local account could send FastCGI requests with any
    REMOTE_ADDR and so pass every per-IP limit."""
    path = fcgi_sockets(stack)[0]
    probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
             "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(3)\n")
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        "/usr/bin/python3", "-c", probe, path], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 3, f"nobody could connect to {path}: {r.returncode} {r.stderr}"


# --- the database accounts ----------------------------------------------------------------
def api_password(stack):
    with open(os.path.join(stack.var_dir, "secrets", "db-api.password")) as f:
        return f.read().strip()


def as_api(stack, query):
    """Runs SQL as the API's database account: (exit code, stderr)."""
    r = subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={stack.var_dir}/run/mysqld.sock",
         "--user=onewindow_api", f"--password={api_password(stack)}", "onewindow", "-N", "-B",
         "-e", query], capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def test_workers_and_pushd_connect_as_the_api_account(stack, http, base):
    assert http.get(base + "/readyz", timeout=10).status_code == 200
    users = {r[0] for r in sql(stack, "SELECT DISTINCT user FROM information_schema.processlist "
                                      "WHERE db = 'onewindow' AND id <> CONNECTION_ID()")}
    assert users == {"onewindow_api"}, users


def test_the_api_account_has_no_database_or_global_privilege(stack):
    rc, out = as_api(stack, "SHOW GRANTS")
    assert rc == 0, out
    for line in out.splitlines():
        if " ON *.* " in line:
            assert line.startswith("GRANT USAGE ON *.*"), line
        assert "ON `onewindow`.*" not in line, line
        assert "WITH GRANT OPTION" not in line, line
        assert "ALL PRIVILEGES" not in line, line


@pytest.mark.parametrize("query", [
    "DROP TRIGGER audit_log_no_delete",
    "DROP TRIGGER audit_log_no_update",
    "DELETE FROM audit_log",
    "UPDATE audit_log SET action = 'x'",
    "TRUNCATE TABLE audit_log",
    "DROP TABLE audit_log",
    "ALTER TABLE audit_log ADD COLUMN x INT",
    "CREATE TABLE e2e_probe (x INT)",
    "CREATE TRIGGER e2e_probe BEFORE INSERT ON audit_log FOR EACH ROW SET NEW.action = 'x'",
    "DELETE FROM schema_migrations",
    "GRANT SELECT ON audit_log TO CURRENT_USER",
])
def test_the_api_account_cannot(stack, query):
    """Refused for want of the privilege (1142/1227/1044/1045), not by a trigger (1644)."""
    rc, out = as_api(stack, query)
    assert rc != 0, f"the API account may {query}"
    assert any(f"ERROR {code}" in out for code in (1142, 1227, 1044, 1045, 1410)), out


def test_the_api_account_reads_and_appends_the_audit_log(stack):
    rc, out = as_api(stack, "SELECT COUNT(*) FROM audit_log")
    assert rc == 0, out


def test_the_owner_password_is_not_readable_by_the_app(stack):
    """Migrations run with the owner account (README): the app's user cannot read its
    password, while it can read its own."""
    app_user = pwd.getpwuid(proc_ids(stack.pid("onewindow-pushd"))[0][1]).pw_name
    secrets = os.path.join(stack.var_dir, "secrets")
    for name, readable in (("db-owner.password", False), ("db-api.password", True)):
        r = subprocess.run(["setpriv", f"--reuid={app_user}", f"--regid={app_user}",
                            "--init-groups", "cat", os.path.join(secrets, name)],
                           capture_output=True, text=True, timeout=30)
        assert (r.returncode == 0) == readable, (name, r.returncode, r.stderr)


def test_admin_dml_commands_work_with_the_api_account(stack):
    """`onewindow-admin` uses db_dsn (the API account) for everything but migrate and
    generate-applications, which use db_owner_dsn."""
    values = dict(line.split(": ", 1) for line in stack.admin("config").stdout.splitlines())
    assert "onewindow_api@" in values["effective_db_dsn"], values
    assert "onewindow_owner@" in values["effective_db_owner_dsn"], values
    r = stack.admin("outbox", "--dead")
    assert r.returncode == 0, r.stderr
