"""The object store under least privilege (README "Privileges", "Uploads and materials"): the
service writes the store and nginx's workers only read it; the spool of uploads in flight
(store/tmp) is the service's alone and keeps nothing; an upload reaches the worker over the
FastCGI socket, so it works although nginx's temporary file is nginx's user's (0600)."""
import os
import stat
import subprocess

from media import png_of_bytes
from people import new_citizen, uploaded
from test_privileges import proc_ids, stack_processes


def users(stack):
    procs = stack_processes(stack)
    app = proc_ids(procs["onewindow-fcgi workers"][0])
    web = proc_ids(procs["nginx workers"][0])
    return (app[0][1], app[1][1]), (web[0][1], web[1][1])


def as_uid(uid, gid, *cmd):
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                           *cmd], capture_output=True, text=True, timeout=30)


def test_the_store_is_the_services_and_nginx_reads_it(stack):
    (app_uid, _), (_, web_gid) = users(stack)
    store = os.path.join(stack.var_dir, "store")
    st = os.stat(store)
    assert (st.st_uid, st.st_gid) == (app_uid, web_gid), (st.st_uid, st.st_gid)
    assert stat.S_IMODE(st.st_mode) == 0o2750, oct(stat.S_IMODE(st.st_mode))
    tmp = os.stat(os.path.join(store, "tmp"))
    assert tmp.st_uid == app_uid and stat.S_IMODE(tmp.st_mode) & 0o777 == 0o700, \
        oct(tmp.st_mode)


def test_an_upload_nginx_buffered_to_a_file_is_stored_for_nginx_to_read(stack, http, base):
    """A body over nginx's 64 KiB buffer goes through nginx's temporary file; the worker,
    another user, gets it over the FastCGI socket. The object is the service's, readable by
    nginx's workers (setgid group) and not writable by them; the spool keeps nothing."""
    (app_uid, _), (web_uid, web_gid) = users(stack)
    c = new_citizen(stack, http, base, verified=False)
    data = png_of_bytes(300 * 1024)
    up = uploaded(http, base, c, data)
    sha = up["sha256"]
    path = os.path.join(stack.var_dir, "store", sha[:2], sha + ".png")
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (app_uid, web_gid), (st.st_uid, st.st_gid)
    assert stat.S_IMODE(st.st_mode) == 0o640, oct(st.st_mode)
    r = as_uid(web_uid, web_gid, "sha256sum", path)
    assert r.returncode == 0 and r.stdout.split()[0] == sha, r.stderr
    r = as_uid(web_uid, web_gid, "/usr/bin/python3", "-c",
               "import sys; open(sys.argv[1], 'ab')", path)
    assert r.returncode != 0, "nginx's user may write an object"
    r = as_uid(web_uid, web_gid, "ls", os.path.join(stack.var_dir, "store", "tmp"))
    assert r.returncode != 0, "nginx's user may list the spool of uploads in flight"
    assert os.listdir(os.path.join(stack.var_dir, "store", "tmp")) == []
