"""Shared pieces of the e2e modules about people (API.md §3, §5): citizens who log in by
SMS (real-name verified or not), staff accounts of a department, submissions, staff events,
and the database counts that every step of an application must move by exactly one.

Every helper makes its own random phones, GB 11643 ID numbers and usernames, so the tests
that use them do not depend on each other."""
import datetime
import json
import os
import re
import secrets
from dataclasses import dataclass, field

from helpers import HEX32, ROOT, post, sql, unique_id

API = "/api/v1"
APPS = API + "/applications"
STAFF_APPS = API + "/staff/applications"
PROGRESS = API + "/progress"
SEND = API + "/auth/sms/send"
LOGIN = API + "/auth/login"
STAFF_LOGIN = API + "/auth/staff/login"
REAL_NAME = API + "/me/real-name"
PASSWORD = API + "/me/password"

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))  # no DST since 1991
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NO_RE = re.compile(r"^(\d{8})-([0-9A-HJKMNP-TV-Z]{5})-([0-9A-HJKMNP-TV-Z]{5})$")
QUERY_CODE_RE = re.compile(r"^\d{8}$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # no fraction (the spec)
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d$")

STATUSES = ("submitted", "accepted", "need_materials", "not_accepted", "withdrawn",
            "completed")
OPEN_STATUSES = ("submitted", "need_materials", "accepted")
FINAL_STATUSES = ("not_accepted", "withdrawn", "completed")
APPLICANT = "申请人"

SUBMIT_KEYS = {"application_no", "status", "service", "submitted_at", "due_date", "query_code"}
SUMMARY_KEYS = {"application_no", "status", "result", "service", "submitted_at", "updated_at",
                "due_date", "overdue"}
# what only the citizen's detail has: the query code, and the rating with its case (API.md §8)
CITIZEN_ONLY_KEYS = {"query_code", "rating", "rectification"}
DETAIL_KEYS = SUMMARY_KEYS | {"handled_by", "materials", "finished_at", "timeline",
                              "enterprise"} | CITIZEN_ONLY_KEYS
STAFF_DETAIL_KEYS = (DETAIL_KEYS - CITIZEN_ONLY_KEYS) | {"applicant", "form"}
EVENT_KEYS = {"status", "result", "note", "actor", "actor_name", "at"}

# --- the demo catalog (data/catalog-sample.json) and its department codes ---------------------
with open(os.path.join(ROOT, "data", "catalog-sample.json"), encoding="utf-8") as _f:
    CATALOG = {item["code"]: item for item in json.load(_f)}
with open(os.path.join(ROOT, "data", "codes.json"), encoding="utf-8") as _f:
    DEPARTMENT_NAMES = {d["code"]: d["name"] for d in json.load(_f)["departments"]}
DEPARTMENT_CODES = {name: code for code, name in DEPARTMENT_NAMES.items()}

GA_3 = "GA-GG-020"   # 亲属关系证明开具, 承诺件, 3 working days, 市公安局 (a free form)
GA_5 = "GA-GG-018"   # 居民户口簿补领、换领, 承诺件, 5 working days
GA_2 = "GA-XK-029"   # 烟花爆竹道路运输许可, 承诺件, 2 working days
GA_0 = "GA-GG-004"   # 临时居民身份证办理, 即办件
SJ_1 = "SJ-XK-004"   # 承诺件, 1 working day, 市市场监督管理局
MZ_0 = "MZ-QR-003"   # 补领结婚证, 即办件, 市民政局 (another department)


def service_days(code):
    return CATALOG[code]["promised_days"]


def service_department(code):
    """(department code, department name) of a catalog item."""
    name = CATALOG[code]["department"]
    return DEPARTMENT_CODES[name], name


def _check_catalog():
    for code, days, kind, dept in ((GA_3, 3, "承诺件", "GA"), (GA_5, 5, "承诺件", "GA"),
                                   (GA_2, 2, "承诺件", "GA"), (GA_0, 0, "即办件", "GA"),
                                   (SJ_1, 1, "承诺件", "SJ"), (MZ_0, 0, "即办件", "MZ")):
        item = CATALOG[code]
        assert (item["promised_days"], item["kind"]) == (days, kind), item
        assert service_department(code)[0] == dept, item


_check_catalog()


def service_of_department(dept, promised_days=None):
    """The first catalog item of a department (with that many promised days, if given)."""
    for code, item in CATALOG.items():
        if DEPARTMENT_CODES[item["department"]] != dept:
            continue
        if promised_days is None or item["promised_days"] == promised_days:
            return code
    raise AssertionError(f"no service of {dept} with {promised_days} days in the sample")


# --- personal data -----------------------------------------------------------------------------
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文"


def new_phone():
    return "137" + "".join(str(secrets.randbelow(10)) for _ in range(8))


def new_id_number(region="110105"):
    """A valid 18-digit resident ID (GB 11643) whose check character is a digit."""
    while True:
        day = datetime.date(1950, 1, 1) + datetime.timedelta(days=secrets.randbelow(18000))
        first17 = region + day.strftime("%Y%m%d") + f"{secrets.randbelow(1000):03d}"
        check = ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
        if check != "X":
            return first17 + check


def new_name():
    return (secrets.choice(SURNAMES) + secrets.choice(GIVEN) + secrets.choice(GIVEN)
            + secrets.choice(GIVEN))


# --- HTTP --------------------------------------------------------------------------------------
_NO_BODY = object()


def call(http, base, method, path, token=None, body=_NO_BODY, raw=None, headers=None,
         today=None, rid=None, key=None):
    """One request: body is sent as JSON, raw as bytes with Content-Type application/json;
    today sets X-Test-Today, rid X-Request-Id, key Idempotency-Key."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if today is not None:
        h["X-Test-Today"] = str(today)
    if rid is not None:
        h["X-Request-Id"] = rid
    if key is not None:
        h["Idempotency-Key"] = key
    if raw is not None:
        h.setdefault("Content-Type", "application/json")
        return http.request(method, base + path, data=raw, headers=h, timeout=30)
    if body is _NO_BODY:
        return http.request(method, base + path, headers=h, timeout=30)
    return http.request(method, base + path, json=body, headers=h, timeout=30)


def tok(who):
    """A token from a Citizen / Staff or a bare token string."""
    return who if isinstance(who, str) or who is None else who.token


@dataclass
class Citizen:
    token: str
    id: str
    phone: str
    name: str = None
    id_number: str = None
    refresh: str = field(default=None, repr=False)


@dataclass
class Staff:
    token: str
    id: str
    username: str
    department: str


def sms_codes(stack, phone):
    """The codes the log SMS provider wrote for a phone, oldest first."""
    try:
        with open(os.path.join(stack.var_dir, "sms-outbox.jsonl"), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []
    return [line["code"] for line in lines if line.get("phone") == phone]


def new_citizen(stack, http, base, verified=True, name=None, id_number=None):
    """A citizen registered by SMS login; real-name verified unless verified=False."""
    phone = new_phone()
    r = http.post(base + SEND, json={"phone": phone}, timeout=30)
    assert r.status_code == 202, r.text
    codes = sms_codes(stack, phone)
    assert codes, f"no SMS code for {phone}"
    r = http.post(base + LOGIN, json={"phone": phone, "code": codes[-1]}, timeout=30)
    assert r.status_code == 200, r.text
    pair = r.json()
    c = Citizen(pair["access_token"], pair["citizen"]["id"], phone,
                refresh=pair["refresh_token"])
    if verified:
        c.name = name or new_name()
        c.id_number = id_number or new_id_number()
        r = call(http, base, "POST", REAL_NAME, c.token,
                 {"name": c.name, "id_number": c.id_number})
        assert r.status_code == 200, r.text
        assert r.json()["real_name_verified"] is True, r.text
    return c


def new_staff(stack, http, base, department="GA"):
    """A staff account of a department, logged in."""
    username = unique_id("apps")
    password = "Pw-" + secrets.token_hex(10)
    p = stack.admin("create-staff", "--username", username, "--password", password,
                    "--department", department, check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    fields = dict(line.split(": ", 1) for line in p.stdout.splitlines() if ": " in line)
    assert fields.get("id", "").isdigit(), p.stdout
    r = http.post(base + STAFF_LOGIN, json={"username": username, "password": password},
                  timeout=30)
    assert r.status_code == 200, r.text
    return Staff(r.json()["access_token"], fields["id"], username, department)


@dataclass
class Operator:
    token: str
    id: str
    username: str


def new_operator(stack, http, base):
    """A platform operator (a staff account with role operator and no department), logged in."""
    username = unique_id("op")
    password = "Pw-" + secrets.token_hex(10)
    p = stack.admin("create-staff", "--username", username, "--password", password,
                    "--operator", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    fields = dict(line.split(": ", 1) for line in p.stdout.splitlines() if ": " in line)
    assert fields["role"] == "operator", p.stdout
    r = http.post(base + STAFF_LOGIN, json={"username": username, "password": password},
                  timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["staff"]["role"] == "operator" and r.json()["staff"]["department"] is None
    return Operator(r.json()["access_token"], fields["id"], username)


# --- forms and materials (API.md §4, §5) -------------------------------------------------------
UPLOADS = API + "/uploads"
PATTERN_SAMPLES = {
    "^[0-9]{12,30}$": "123456789012", "^[0-9]{8,30}$": "12345678",
    "^[A-Z][0-9]{8}$": "E12345678", "^[0-9]{6,20}$": "123456", "^[A-Z0-9]{9}$": "ABC123456",
    "^[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}$": "浙A12345",
    "^[A-HJ-NPR-Z0-9]{17}$": "LSVAU2180N2183294",
}


def sample_value(prop):
    """A value that passes one property of a form schema."""
    from helpers import credit_code
    if prop["type"] == "boolean":
        return True
    if prop["type"] in ("integer", "number"):
        return prop.get("minimum", 1)
    if "enum" in prop:
        return prop["enum"][0]
    if "pattern" in prop:
        return PATTERN_SAMPLES[prop["pattern"]]
    fmt = prop.get("format")
    value = {"date": "2020-01-02", "phone": "13800138000", "id_number": new_id_number(),
             "credit_code": credit_code(), "address": "浙江省杭州市西湖区文三路100号"}.get(fmt, "测试内容")
    return value[:prop["maxLength"]] if fmt is None else value


def valid_form(service):
    """A form with every required field of the service's schema (free services: any object)."""
    schema = CATALOG.get(service, {}).get("form_schema")
    if not schema:
        return {"purpose": "e2e"}
    return {name: sample_value(schema["properties"][name]) for name in schema.get("required", [])}


def material_defs(service):
    """The structured materials of a service, as the import makes them of a list of names."""
    out = []
    for i, m in enumerate(CATALOG.get(service, {}).get("materials", [])):
        if isinstance(m, str):
            m = {"code": f"material_{i + 1}", "name": m, "required": True,
                 "accept": ["image/jpeg", "image/png", "application/pdf"], "max_bytes": 10485760}
        out.append(m)
    return out


def upload(http, base, who, data=None, content_type="image/png", **kw):
    """POST /uploads (the response)."""
    from media import png
    h = {"Content-Type": content_type}
    return call(http, base, "POST", UPLOADS, tok(who), raw=png() if data is None else data,
                headers=h, **kw)


def uploaded(http, base, who, data=None, content_type="image/png"):
    r = upload(http, base, who, data, content_type)
    assert r.status_code == 201, r.text
    return r.json()


def required_materials(http, base, who, service):
    """A fresh upload for each required material of the service."""
    from media import pdf, png
    out = []
    for m in material_defs(service):
        if m["required"]:
            kind = "image/png" if "image/png" in m["accept"] else "application/pdf"
            data = png() if kind == "image/png" else pdf()
            out.append({"code": m["code"], "upload_id": uploaded(http, base, who, data, kind)["id"]})
    return out


# --- applications ------------------------------------------------------------------------------
ENTERPRISES = API + "/me/enterprises"


def bound_enterprise(http, base, who):
    """The id of a company the citizen acts for (bound once per Citizen)."""
    from helpers import credit_code
    known = getattr(who, "enterprise_id", None)
    if known:
        return known
    r = call(http, base, "POST", ENTERPRISES, tok(who),
             {"credit_code": credit_code(), "name": "测试科技有限公司", "role": "legal_representative"})
    assert r.status_code == 201, r.text
    if not isinstance(who, str):
        who.enterprise_id = r.json()["id"]
    return r.json()["id"]


def submit(http, base, who, service=GA_3, form=None, materials=None, enterprise_id=None, **kw):
    """POST /applications (the response); by default a valid form, the required materials and,
    for an enterprise service, a company the citizen acts for."""
    body = {"service_code": service, "form": valid_form(service) if form is None else form}
    body["materials"] = (required_materials(http, base, who, service) if materials is None
                         else materials)
    if enterprise_id is None and CATALOG.get(service, {}).get("audience") == "enterprise":
        enterprise_id = bound_enterprise(http, base, who)
    if enterprise_id:
        body["enterprise_id"] = enterprise_id
    return call(http, base, "POST", APPS, tok(who), body, **kw)


def submitted(http, base, who, service=GA_3, form=None, materials=None, **kw):
    """A submission that must succeed: the 201 body."""
    r = submit(http, base, who, service, form, materials, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def detail(http, base, who, no, **kw):
    r = call(http, base, "GET", f"{APPS}/{no}", tok(who), **kw)
    assert r.status_code == 200, r.text
    return r.json()


def staff_detail(http, base, who, no, **kw):
    r = call(http, base, "GET", f"{STAFF_APPS}/{no}", tok(who), **kw)
    assert r.status_code == 200, r.text
    return r.json()


def event(http, base, who, no, status, note=None, result=None, **kw):
    """POST /staff/applications/{no}/events (the response)."""
    body = {"status": status}
    if note is not None:
        body["note"] = note
    if result is not None:
        body["result"] = result
    return call(http, base, "POST", f"{STAFF_APPS}/{no}/events", tok(who), body, **kw)


def staff_step(http, base, who, no, status, note=None, result=None, **kw):
    """A staff transition that must succeed: the staff detail after it."""
    if note is None and status in ("need_materials", "not_accepted"):
        note = f"请补充或说明（{status}）"
    if result is None and status == "completed":
        result = "approved"
    r = event(http, base, who, no, status, note, result, **kw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == status, body
    return body


def withdraw(http, base, who, no, note=None, **kw):
    body = {"note": note} if note is not None else _NO_BODY
    return call(http, base, "POST", f"{APPS}/{no}/withdraw", tok(who), body, **kw)


def supplement(http, base, who, no, materials=None, note=None, **kw):
    if materials is None:  # a new upload for the application's first material
        d = call(http, base, "GET", f"{APPS}/{no}", tok(who)).json()
        code = material_defs(d["service"]["code"])[0]["code"]
        materials = [{"code": code, "upload_id": uploaded(http, base, who)["id"]}]
    body = {"materials": materials}
    if note is not None:
        body["note"] = note
    return call(http, base, "POST", f"{APPS}/{no}/supplement", tok(who), body, **kw)


def bring_to(http, base, citizen, staff, status, service=GA_3, **kw):
    """A new application of citizen moved to status (staff of the service's department):
    its application_no."""
    no = submitted(http, base, citizen, service, **kw)["application_no"]
    if status == "submitted":
        pass
    elif status == "withdrawn":
        r = withdraw(http, base, citizen, no)
        assert r.status_code == 200, r.text
    elif status in ("need_materials", "not_accepted", "accepted"):
        staff_step(http, base, staff, no, status)
    elif status == "completed":
        staff_step(http, base, staff, no, "accepted")
        staff_step(http, base, staff, no, "completed", result="approved")
    else:
        raise ValueError(status)
    return no


def all_pages(http, base, who, path, limit=100, max_pages=200, **params):
    """Every item of a cursor-paged list, following next_cursor; also the pages' sizes."""
    items, sizes, cursor = [], [], None
    for _ in range(max_pages):
        q = dict(params, limit=limit)
        if cursor is not None:
            q["cursor"] = cursor
        r = http.get(base + path, params=q, headers={"Authorization": f"Bearer {tok(who)}"},
                     timeout=30)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"}, body
        assert len(body["items"]) <= limit, (limit, len(body["items"]))
        items += body["items"]
        sizes.append(len(body["items"]))
        cursor = body["next_cursor"]
        if cursor is None:
            return items, sizes
        assert isinstance(cursor, str) and cursor, body
    raise AssertionError(f"{path}: more than {max_pages} pages")


def shanghai_today():
    return datetime.datetime.now(SHANGHAI).date()


# --- the database ------------------------------------------------------------------------------
def q(value):
    """A SQL string literal of a value this suite made (no quotes in it)."""
    value = str(value)
    assert "'" not in value and "\\" not in value, value
    return f"'{value}'"


def app_row(stack, no):
    """id, citizen_id, status of an application (by its canonical number)."""
    rows = sql(stack, f"SELECT id, citizen_id, status FROM applications "
                      f"WHERE application_no = {q(no)}")
    assert len(rows) == 1, (no, rows)
    return rows[0]


def app_id(stack, no):
    return int(app_row(stack, no)[0])


def citizen_app_count(stack, citizen):
    return int(sql(stack, f"SELECT COUNT(*) FROM applications "
                          f"WHERE citizen_id = {int(citizen.id)}")[0][0])


def step_counts(stack, no):
    """(timeline events, audit rows other than reads, notifications, outbox deliveries of
    those notifications) of an application."""
    aid = app_id(stack, no)
    row = sql(stack, f"""SELECT
        (SELECT COUNT(*) FROM application_events WHERE application_id = {aid}),
        (SELECT COUNT(*) FROM audit_log WHERE target = {q(no)}
            AND action <> 'application.read'),
        (SELECT COUNT(*) FROM notifications WHERE application_id = {aid}),
        (SELECT COUNT(*) FROM outbox o JOIN notifications n ON o.notification_id = n.id
            WHERE n.application_id = {aid})""")[0]
    return tuple(int(v) for v in row)


def read_audit_count(stack, no):
    return int(sql(stack, f"SELECT COUNT(*) FROM audit_log WHERE target = {q(no)} "
                          f"AND action = 'application.read'")[0][0])


def assert_one_step(stack, no, before, citizen, actor_type, actor_id, rid):
    """Exactly one timeline event, one audit row, one notification more than `before`
    (step_counts), and those rows say what the spec says. These citizens have no push device
    or WeChat grant and keep SMS off, so the notification's only delivery is the SMS that
    need_materials always sends (API.md §6)."""
    after = step_counts(stack, no)
    status = sql(stack, f"SELECT status FROM applications WHERE application_no = {q(no)}")[0][0]
    sms = 1 if status == "need_materials" else 0
    expected = tuple(v + 1 for v in before[:3]) + (before[3] + sms,)
    assert after == expected, (no, status, "before", before, "after", after)
    aid = app_id(stack, no)
    audit = sql(stack, f"SELECT actor_type, actor_id, action, target, COALESCE(request_id, "
                       f"'NULL'), COALESCE(client_request_id, 'NULL') FROM audit_log "
                       f"WHERE target = {q(no)} AND action <> 'application.read' "
                       f"ORDER BY id DESC LIMIT 1")[0]
    assert audit[0] == actor_type and audit[1] == str(actor_id), audit
    # the id the server made for the request, and the client's own apart (issue 12)
    assert audit[2] and audit[3] == no and HEX32.match(audit[4]) and audit[5] == rid, audit
    n = sql(stack, f"SELECT id, citizen_id, kind FROM notifications WHERE application_id = "
                   f"{aid} ORDER BY id DESC LIMIT 1")[0]
    assert n[1] == str(citizen.id) and n[2] == "application", n
    o = sql(stack, f"SELECT channel, status, attempts, delivery_id FROM outbox "
                   f"WHERE notification_id = {n[0]}")
    assert len(o) == sms, o
    for channel, state, attempts, delivery_id in o:
        assert channel == "sms" and len(delivery_id) == 36, o
        # written pending; a delivery worker may have tried it since
        assert state == "pending" or int(attempts) > 0, o


# --- citizens' SMS and login requests ---------------------------------------------------------
def mask_phone(phone):
    return phone[:3] + "****" + phone[-4:]


def sms_send(http, base, phone, **kw):
    return post(http, base, SEND, {"phone": phone}, **kw)


def phone_login(http, base, phone, code=None, password=None, **kw):
    """POST /auth/login with phone and code or password (whichever is given)."""
    body = {"phone": phone}
    if code is not None:
        body["code"] = code
    if password is not None:
        body["password"] = password
    return post(http, base, LOGIN, body, **kw)


def age_sms_codes(stack, citizen_id, seconds=61):
    """Moves the SMS codes of a citizen's phone `seconds` into the past, as if sent then (so
    that the next may be sent at once: one a minute per phone)."""
    sql(stack, f"UPDATE sms_codes SET created_at = created_at - INTERVAL {int(seconds)} SECOND, "
               f"expires_at = expires_at - INTERVAL {int(seconds)} SECOND WHERE phone_bidx = "
               f"(SELECT phone_bidx FROM citizens WHERE id = {int(citizen_id)})")


def fresh_sms_code(stack, http, base, phone, citizen_id):
    """A new SMS code for the citizen's phone (earlier ones aged out of the minute's wait)."""
    age_sms_codes(stack, citizen_id)
    before = len(sms_codes(stack, phone))
    r = sms_send(http, base, phone)
    assert r.status_code == 202, r.text
    codes = sms_codes(stack, phone)
    assert len(codes) == before + 1, codes
    return codes[-1]


def set_first_password(stack, http, base, phone, citizen_id, token, password):
    """PUT /me/password for an account without one: proven by a fresh SMS code."""
    code = fresh_sms_code(stack, http, base, phone, citizen_id)
    return post(http, base, PASSWORD, {"sms_code": code, "new_password": password}, token=token,
                method="PUT")
