"""The deployment files parse and load (`make test-deploy`): deploy/nginx (nginx -t, with the
files deploy/render-nginx.sh writes), the systemd units (systemd-analyze verify), log
rotation (logrotate -d), the firewall table (nft -c, in a scratch network namespace), the
container image definition (its packages exist in Debian 12, the files it copies exist; built
when a Docker daemon answers), the Prometheus configuration and alert rules (promtool check
config / check rules / test rules), and the Grafana dashboard (every query parses as PromQL
and names only series a real stack serves, checked on a live scrape with promtool check
metrics)."""
import json
import os
import re
import shutil
import subprocess

import pytest
import requests
import yaml

from common import BIN, ROOT
from stack import Stack

DEPLOY = os.path.join(ROOT, "deploy")


def run(*cmd, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=300, **kw)
    assert p.returncode == 0, f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def copy_with(src, dst, replacements):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    for old, new in replacements:
        text = text.replace(old, new)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    return dst


def test_nginx_configuration_parses(tmp_path):
    d = str(tmp_path)
    run(os.path.join(DEPLOY, "render-nginx.sh"), f"{d}/onewindow")
    os.makedirs(f"{d}/tls")
    os.makedirs(f"{d}/log")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-days", "1", "-subj", "/CN=api.example.gov.cn",
        "-keyout", f"{d}/tls/privkey.pem", "-out", f"{d}/tls/fullchain.pem")
    copy_with(os.path.join(DEPLOY, "nginx", "onewindow.conf"), f"{d}/onewindow.conf",
              [("/etc/nginx/onewindow/", f"{d}/onewindow/"), ("/etc/onewindow/tls/", f"{d}/tls/"),
               ("/var/log/nginx/", f"{d}/log/")])
    # the http {} block of Debian's /etc/nginx/nginx.conf, which includes conf.d/*.conf
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"pid {d}/nginx.pid;\nerror_log {d}/log/error.log;\nevents {{}}\nhttp {{\n"
                f"    include /etc/nginx/mime.types;\n"
                + "".join(f"    {t}_temp_path {d}/{t};\n"
                          for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
                + f"    include {d}/onewindow.conf;\n}}\n")
    p = run("nginx", "-t", "-p", d, "-c", f"{d}/nginx.conf", "-e", f"{d}/log/error.log")
    assert "test is successful" in p.stderr, p.stderr


def test_systemd_units_verify(tmp_path):
    units = []
    for name in sorted(os.listdir(os.path.join(DEPLOY, "systemd"))):
        # the binaries where this checkout built them (verify requires them to exist)
        units.append(copy_with(os.path.join(DEPLOY, "systemd", name), str(tmp_path / name),
                               [("/usr/local/bin/", BIN + "/")]))
    assert len(units) == 3
    p = run("systemd-analyze", "verify", *units)
    assert not p.stdout.strip() and not p.stderr.strip(), (p.stdout, p.stderr)
    for unit in units:
        text = open(unit).read()
        for hardening in ("User=onewindow", "NoNewPrivileges=yes", "ProtectSystem=strict",
                          "CapabilityBoundingSet=", "PrivateTmp=yes"):
            assert hardening in text, (unit, hardening)
        if "oneshot" not in text:
            assert "Restart=always" in text, unit


def test_logrotate_configuration_parses(tmp_path):
    os.makedirs(tmp_path / "log")
    (tmp_path / "log" / "onewindow.log").write_text('{"msg":"x"}\n')
    conf = copy_with(os.path.join(DEPLOY, "logrotate", "onewindow"), str(tmp_path / "conf"),
                     [("/var/log/onewindow/", f"{tmp_path}/log/"),
                      ("su onewindow adm", "su root root")])  # the user of README's steps
    p = run("logrotate", "-d", "-f", "-s", str(tmp_path / "state"), conf)
    assert "error" not in p.stderr.lower(), p.stderr
    assert "copying" in p.stderr and "truncating" in p.stderr, p.stderr


def test_firewall_table_parses():
    ns = f"ow-nft-{os.getpid()}"
    run("ip", "netns", "add", ns)
    try:  # -c checks without applying; in a scratch namespace all the same
        run("ip", "netns", "exec", ns, "nft", "-c", "-f",
            os.path.join(DEPLOY, "nftables", "onewindow.nft"))
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def test_container_image_definition():
    text = open(os.path.join(DEPLOY, "Containerfile")).read()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2 and "USER onewindow" in stages[1], "two stages, unprivileged"
    packages = set()
    for block in re.findall(r"apt-get install -y -q --no-install-recommends\s+(.*?)(?:&&|$)",
                            text, re.S):
        packages |= {w for w in block.replace("\\", " ").split() if re.match(r"^[a-z0-9.+-]+$", w)}
    assert "libfcgi0ldbl" in packages and "libmariadb3" in packages, packages
    unknown = [p for p in sorted(packages)
               if subprocess.run(["apt-cache", "show", p], capture_output=True).returncode != 0]
    assert not unknown, f"not Debian 12 packages: {unknown}"
    for src in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
        if src != ".":
            assert os.path.exists(os.path.join(ROOT, src)), src
    if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        run("docker", "build", "-f", os.path.join(DEPLOY, "Containerfile"), "-t",
            "onewindow-test", ROOT)
    else:
        print("\n  (no Docker daemon here: the image itself was not built)")


def promtool(*args, cwd=None):
    return run("promtool", *args, cwd=cwd)


def test_prometheus_configuration_and_rules():
    d = os.path.join(DEPLOY, "prometheus")
    p = promtool("check", "rules", "onewindow-rules.yml", cwd=d)
    assert "SUCCESS: 7 rules found" in p.stdout, p.stdout
    promtool("test", "rules", "onewindow-rules.test.yml", cwd=d)
    # check config wants the CA file it names: a copy with a file that exists
    conf = yaml.safe_load(open(os.path.join(d, "prometheus.yml")))
    conf["scrape_configs"][0]["tls_config"]["ca_file"] = "/etc/ssl/certs/ca-certificates.crt"
    conf["rule_files"] = [os.path.join(d, "onewindow-rules.yml")]
    tmp = os.path.join(d, ".prometheus-check.yml")
    try:
        with open(tmp, "w") as f:
            yaml.safe_dump(conf, f)
        promtool("check", "config", tmp)
    finally:
        os.unlink(tmp)


@pytest.fixture(scope="module")
def scrape():
    """/metrics of a private stack after a few requests (every family present; its own
    MariaDB named as its read replica too, so that the replica's series are there)."""
    s = Stack()
    s.env["ONEWINDOW_DB_READ_DSN"] = (f"mysql://onewindow_api@localhost/onewindow?socket="
                                      f"{s.var_dir}/run/mysqld.sock&password_file="
                                      f"{s.var_dir}/secrets/db-api.password")
    try:
        s.start()
        for path in ("/healthz", "/readyz", "/api/v1/services?q=身份证", "/nothing"):
            requests.get(s.base + path, timeout=10)
        yield requests.get(s.base + "/metrics", timeout=10).text
    finally:
        s.destroy()


def test_metrics_pass_promtool(scrape, tmp_path):
    p = subprocess.run(["promtool", "check", "metrics"], input=scrape, capture_output=True,
                       text=True, timeout=60)
    # promtool's lint asks for _total on counters and units in names: ours follow it
    assert p.returncode == 0, p.stdout + p.stderr


def test_dashboard_queries_parse_and_name_served_series(scrape, tmp_path):
    dash = json.load(open(os.path.join(DEPLOY, "grafana", "onewindow-dashboard.json")))
    exprs = [t["expr"] for panel in dash["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 15
    # each query as a recording rule: promtool parses its PromQL ($-variables made concrete)
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{i}",
         "expr": e.replace("$__rate_interval", "1m").replace("$instance", ".*")}
        for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True))
    promtool("check", "rules", str(path))
    served = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M))
    named = set()
    for e in exprs:
        named |= {n for n in re.findall(r"\b(onewindow_[a-z_]+)", e)}
    families = {re.sub(r"_(bucket|sum|count)$", "", n) if n.endswith(("_bucket", "_sum", "_count"))
                and re.sub(r"_(bucket|sum|count)$", "", n) in served else n for n in named}
    missing = sorted(families - served)
    assert not missing, f"dashboard queries name series no host serves: {missing}"
