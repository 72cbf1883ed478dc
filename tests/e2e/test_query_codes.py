"""The query code of the public progress query is a secret the database alone must not give
away (issue 12, finding 6): stored as a keyed hash bound to the application's number (what
the progress query compares) and sealed under the personal-data key (what the owner's detail
shows). Rows stored in clear before (migration 0025) are converted by `onewindow-admin
migrate` where the master key is readable; elsewhere migrate leaves them, says so, and the
progress query keeps working for them until a later run converts them."""
import os
import subprocess

from helpers import BIN, sql
from people import GA_3, PROGRESS, call, detail, new_citizen, q, required_materials, submitted


def code_columns(stack, no):
    rows = sql(stack, "SELECT COALESCE(query_code, 'NULL'), LENGTH(query_code_hash), "
                      "HEX(query_code_enc) FROM applications "
                      f"WHERE application_no = {q(no)}")
    assert len(rows) == 1, rows
    return rows[0]


def progress_status(http, base, no, code):
    return call(http, base, "POST", PROGRESS, None, {"application_no": no, "query_code": code}
                ).status_code


def wrong(code):
    return f"{(int(code) + 1) % 100000000:08d}"


def admin_migrate(stack, **env):
    return subprocess.run([os.path.join(BIN, "onewindow-admin"), "migrate"],
                          env=dict(stack.env, **env), capture_output=True, text=True, timeout=120)


def test_a_new_query_code_is_stored_hashed_and_sealed(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, GA_3)
    no, code = b["application_no"], b["query_code"]
    plain, hash_len, sealed = code_columns(stack, no)
    assert plain == "NULL" and hash_len == "32" and sealed, (plain, hash_len, sealed)
    assert code.encode().hex().upper() not in sealed
    dump = subprocess.run(["mariadb-dump", "--no-defaults", "--hex-blob",
                           f"--socket={stack.var_dir}/run/mysqld.sock", "onewindow",
                           "applications"], capture_output=True, text=True, timeout=60).stdout
    assert no in dump and code not in dump
    assert progress_status(http, base, no, code) == 200
    assert progress_status(http, base, no, wrong(code)) == 404
    assert detail(http, base, c, no)["query_code"] == code


def test_migrate_converts_codes_stored_in_clear(base, http, stack):
    c = new_citizen(stack, http, base)
    rows = [submitted(http, base, c, GA_3) for _ in range(3)]
    for b in rows:  # as an older release stored them
        sql(stack, f"UPDATE applications SET query_code = {q(b['query_code'])}, "
                   "query_code_hash = NULL, query_code_enc = NULL "
                   f"WHERE application_no = {q(b['application_no'])}")
    for b in rows:
        assert progress_status(http, base, b["application_no"], b["query_code"]) == 200
        assert detail(http, base, c, b["application_no"])["query_code"] == b["query_code"]

    # without the master key migrate leaves them, says so, and succeeds
    p = admin_migrate(stack, ONEWINDOW_MASTER_KEY_FILE=os.path.join(stack.var_dir, "none.key"))
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "query codes in clear: 3" in p.stdout + p.stderr, (p.stdout, p.stderr)
    assert code_columns(stack, rows[0]["application_no"])[0] == rows[0]["query_code"]

    p = admin_migrate(stack)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "query codes hashed: 3" in p.stdout, p.stdout
    for b in rows:
        no, code = b["application_no"], b["query_code"]
        plain, hash_len, sealed = code_columns(stack, no)
        assert plain == "NULL" and hash_len == "32" and sealed, (plain, hash_len)
        assert progress_status(http, base, no, code) == 200
        assert progress_status(http, base, no, wrong(code)) == 404
        assert detail(http, base, c, no)["query_code"] == code
    p = admin_migrate(stack)  # nothing left: quiet
    assert p.returncode == 0 and "query codes" not in p.stdout, p.stdout


def test_a_kept_answer_does_not_hold_the_code_in_clear(base, http, stack):
    """The 201 of a submission under an Idempotency-Key is kept for 24 h to be replayed: it is
    stored sealed, or the code would sit in clear next to its hash."""
    c = new_citizen(stack, http, base)
    key = "qc-" + os.urandom(8).hex()
    body = {"service_code": GA_3, "form": {"purpose": "kept"},
            "materials": required_materials(http, base, c, GA_3)}
    first = call(http, base, "POST", "/api/v1/applications", c.token, body, key=key)
    assert first.status_code == 201, first.text
    code = first.json()["query_code"]
    rows = sql(stack, "SELECT HEX(body) FROM idempotency_keys WHERE idem_key = " + q(key))
    assert len(rows) == 1 and rows[0][0], rows
    stored = bytes.fromhex(rows[0][0])
    assert code.encode() not in stored and b"query_code" not in stored, stored[:80]
    again = call(http, base, "POST", "/api/v1/applications", c.token, body, key=key)
    assert again.status_code == 201 and again.content == first.content, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
