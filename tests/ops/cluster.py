"""A small province in network namespaces (root only): a switch (a bridge in a namespace of
its own) and one namespace per machine, each with one veth into the switch and an address
from the benchmarking range 198.18.0.0/15; no namespace has a route anywhere else, so
nothing leaves them.

    client  198.18.0.100   where the test's own requests come from
    front   198.18.0.2     nginx balancing between the two hosts (HTTP, next upstream on error)
    app1    198.18.0.21    nginx, onewindow-fcgi (workers on unix sockets), onewindow-pushd
    app2    198.18.0.22    nginx, onewindow-fcgi (workers on TCP 198.18.0.22:9000+i), pushd
    db1     198.18.0.10    MariaDB primary (binlog, GTID)
    db2     198.18.0.11    MariaDB replica of db1 (GTID, read-only)

Both hosts run the same scripts/stack.sh as `make run`, with the database, the replica and
the master key given as documented (README "Deploying"): the same master key file on every
host, the signing keys in the database. Each host has its own host name (a UTS namespace), so
that its /metrics counts its own pushd's deliveries."""
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

from common import ROOT, sql_socket, wait_for

ADDR = {"client": "198.18.0.100", "front": "198.18.0.2", "app1": "198.18.0.21",
        "app2": "198.18.0.22", "db1": "198.18.0.10", "db2": "198.18.0.11"}
CLONE_NEWNET = 0x40000000
DB_PASSWORD = "cluster-" + secrets.token_hex(8)
REPL_PASSWORD = "repl-" + secrets.token_hex(8)

FRONT_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    access_log off;
    upstream hosts {{
        server {app1}:8080 max_fails=1 fail_timeout=3s;
        server {app2}:8080 max_fails=1 fail_timeout=3s;
        keepalive 32;
    }}
    server {{
        listen {front}:80;
        location / {{
            proxy_pass http://hosts;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            # a GET whose host is gone goes to the other one; a POST is retried by the app
            # with its Idempotency-Key
            proxy_next_upstream error timeout http_502 http_503 http_504;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def run(*cmd, check=True, env=None, timeout=120):
    p = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


class Cluster:
    def __init__(self):
        self.tag = "owc" + secrets.token_hex(2)
        self.dir = tempfile.mkdtemp(prefix="ow-cluster-")
        os.chmod(self.dir, 0o755)  # the hosts' services run as their own user
        self.master_key = os.path.join(self.dir, "master.key")
        self.hosts = {}

    def ns(self, node):
        return f"{self.tag}-{node}"

    def exec(self, node, *cmd):
        return ["ip", "netns", "exec", self.ns(node), *cmd]

    # --- the network ----------------------------------------------------------------------
    def network_up(self):
        sw = self.ns("sw")
        run("ip", "netns", "add", sw)
        run("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", sw, "link", "set", "br0", "up")
        for node, addr in ADDR.items():
            ns = self.ns(node)
            run("ip", "netns", "add", ns)
            # both ends are made inside the namespaces: nothing appears on the real host
            run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", node,
                "netns", sw)
            run("ip", "-n", sw, "link", "set", node, "master", "br0", "up")
            run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")

    def enter(self, node="client"):
        """Moves this process (its main thread, and the threads and children it makes from
        now on) into a node's namespace: the test's requests come from there."""
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{self.ns(node)}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
        finally:
            os.close(fd)

    def routes(self, node):
        return run("ip", "-n", self.ns(node), "route").stdout

    # --- MariaDB ----------------------------------------------------------------------------
    def db_socket(self, node):
        return os.path.join(self.dir, node, "mysqld.sock")

    def sql(self, node, query, database="onewindow"):
        return sql_socket(self.db_socket(node), query, database)

    def start_db(self, node, server_id, replica=False):
        d = os.path.join(self.dir, node)
        data = os.path.join(d, "data")
        os.makedirs(f"{d}/tmp", exist_ok=True)  # not /tmp, for the bootstrap too: scripts/stack.sh
        if not os.path.isdir(data):
            run("mariadb-install-db", "--no-defaults", "--skip-test-db", f"--datadir={data}",
                f"--tmpdir={d}/tmp", "--user=root", "--auth-root-authentication-method=socket")
        args = ["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={d}/mysqld.sock",
                f"--tmpdir={d}/tmp",
                "--port=3306", f"--bind-address={ADDR[node]}", "--user=root",
                "--skip-name-resolve", f"--pid-file={d}/mysqld.pid", f"--log-error={d}/error.log",
                f"--server-id={server_id}", "--log-bin=binlog", "--binlog-format=ROW",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin",
                "--innodb-buffer-pool-size=128M", "--max-connections=500",
                # migrations create triggers (the audit log) with binlog on and no SUPER
                "--log-bin-trust-function-creators=1",
                # the replica's own counters prove what it served (TABLE_STATISTICS)
                "--userstat=1"]
        if replica:
            args += ["--read-only", "--relay-log=relay"]
        subprocess.Popen(self.exec(node, *args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        wait_for(lambda: run("mariadb-admin", "--no-defaults", f"--socket={d}/mysqld.sock",
                             "ping", check=False).returncode == 0, 60, interval=0.1,
                 what=f"MariaDB on {node}")

    def db_pid(self, node):
        with open(os.path.join(self.dir, node, "mysqld.pid")) as f:
            return int(f.read())

    def databases_up(self):
        self.start_db("db1", 1)
        self.sql("db1", f"CREATE USER repl@'198.18.0.%' IDENTIFIED BY '{REPL_PASSWORD}'; "
                        f"GRANT REPLICATION SLAVE ON *.* TO repl@'198.18.0.%'", database="mysql")
        self.start_db("db2", 2, replica=True)
        self.sql("db2", f"CHANGE MASTER TO MASTER_HOST='{ADDR['db1']}', MASTER_PORT=3306, "
                        f"MASTER_USER='repl', MASTER_PASSWORD='{REPL_PASSWORD}', "
                        f"MASTER_USE_GTID=slave_pos; START SLAVE", database="mysql")
        # made after the replica started: everything below reaches it through the binlog
        self.sql("db1", "CREATE DATABASE onewindow CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
                        f"CREATE USER onewindow@'198.18.0.%' IDENTIFIED BY '{DB_PASSWORD}'; "
                        "GRANT ALL ON onewindow.* TO onewindow@'198.18.0.%'", database="mysql")
        wait_for(lambda: self.sql("db2", "SHOW DATABASES LIKE 'onewindow'", database="mysql"),
                 30, what="the replica has the database")

    def replica_state(self):
        rows = run("mariadb", "--no-defaults", f"--socket={self.db_socket('db2')}", "-e",
                   "SHOW SLAVE STATUS\\G").stdout
        return dict(l.strip().split(": ", 1) for l in rows.splitlines() if ": " in l)

    # --- the application hosts ----------------------------------------------------------------
    def host_env(self, node):
        env = dict(os.environ)
        env.update({
            "ONEWINDOW_CONFIG": os.path.join(ROOT, "config", "test.conf"),
            "ONEWINDOW_VAR_DIR": os.path.join(self.dir, node),
            "ONEWINDOW_PORT": "8080",
            "ONEWINDOW_NGINX_LISTEN": ADDR[node],
            "ONEWINDOW_DB_DSN": f"mysql://onewindow:{DB_PASSWORD}@{ADDR['db1']}:3306/onewindow",
            "ONEWINDOW_DB_READ_DSN":
                f"mysql://onewindow:{DB_PASSWORD}@{ADDR['db2']}:3306/onewindow",
            "ONEWINDOW_DB_REPLICA_MAX_LAG_MS": "1000",
            "ONEWINDOW_MASTER_KEY_FILE": self.master_key,
        })
        if node == "app2":  # this host's workers listen on TCP, for its nginx only
            env.update({"ONEWINDOW_FCGI_LISTEN": f"{ADDR['app2']}:9000",
                        "ONEWINDOW_FCGI_ALLOW_FROM": ADDR["app2"]})
        return env

    def start_host(self, node):
        env = self.host_env(node)
        self.hosts[node] = env
        os.makedirs(env["ONEWINDOW_VAR_DIR"], exist_ok=True)
        run(*self.exec(node, "unshare", "--uts", "sh", "-c",
                       f'hostname {node} && exec "$0" start',
                       os.path.join(ROOT, "scripts", "stack.sh")), env=env, timeout=300)

    def admin(self, *args, node="app1"):
        p = run(*self.exec(node, os.path.join(ROOT, "build", "bin", "onewindow-admin"), *args),
                env=self.hosts[node], check=False)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p.stdout

    def base(self, node):
        return f"http://{ADDR[node]}:8080" if node.startswith("app") else f"http://{ADDR[node]}"

    def var(self, node, *path):
        return os.path.join(self.dir, node, *path)

    def start_front(self):
        d = os.path.join(self.dir, "front")
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(FRONT_CONF.format(dir=d, **ADDR))
        run(*self.exec("front", "nginx", "-p", d, "-c", conf, "-e", f"{d}/error.log"))

    def kill_node(self, node):
        """Every process in the node's namespace, at once (a host that died)."""
        pids = run("ip", "netns", "pids", self.ns(node), check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        return len(pids)

    # --- up and down ----------------------------------------------------------------------------
    def up(self):
        with open(self.master_key, "w") as f:  # one master key, the same file on every host
            f.write(secrets.token_hex(32) + "\n")
        os.chmod(self.master_key, 0o600)
        self.network_up()
        self.databases_up()
        self.start_host("app1")  # migrates, makes the signing key
        self.start_host("app2")
        self.start_front()
        return self

    def down(self):
        for node in list(ADDR):
            # the client namespace holds this test process itself
            if node != "client" and os.path.exists(f"/run/netns/{self.ns(node)}"):
                self.kill_node(node)
        time.sleep(0.2)
        for node in list(ADDR) + ["sw"]:
            run("ip", "netns", "del", self.ns(node), check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
