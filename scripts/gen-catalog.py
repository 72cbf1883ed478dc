#!/usr/bin/python3
"""Generate a large, realistic service catalog for benchmarks.

    scripts/gen-catalog.py --size 100000 [--seed 1] [--base data/catalog-sample.json] --out FILE

Real catalogs list one service once per implementing level: the city (市级), each district
or county (区/县级), each street or town (街道/乡镇级) and, under the 四级政务服务体系,
each community or village (社区/村级).  The output starts with the base items unchanged
(the city level, so every sample code still exists), followed by variants of them, one per
(district[, street[, community]]), until --size items exist.

The map is invented and fixed: 16 districts/counties, 240 streets/towns (12-18 each) and
about 2 400 communities/villages; --seed does not change it.  --seed chooses which
variants are listed when not all fit and their small differences.  Which variants come
first depends on the service: every service is listed in every district, personal
services (社保, 民政, 医保, 残疾人 ...) go down to streets and communities first, and
enterprise licensing or construction permits reach streets only in very large catalogs.
The selection is nested: for one seed, the catalog of size N is a subset of the one of
size M > N.

Variant codes are the base code plus -Dnn, -Dnn-Snn or -Dnn-Snn-Cnn.  Department and
topic names are the base's (the importer maps them to codes.json).  legal_days is
statutory and never changes; promised_days, kind, online_level, fee, materials, topics,
audience, keywords, name and description vary a little.  A street inherits its district's
version of a service, and a community its street's.

Output: a JSON list, one item per line (ensure_ascii=False): the base items, then the
variants by district, street, community and base order; a one-line summary goes to
stderr.  Standard library only.
"""

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time

MIN_SIZE = 407
MAX_SIZE = 1_000_000
MAX_CODE = 64
MAX_NAME = 60
CODE_RE = re.compile(r"[A-Za-z0-9-]+")
GEO_SEED = "onewindow-geo-1"  # the invented map never depends on --seed

# ----------------------------------------------------------------------------- the map

# (name, is_county, streets/towns)
DISTRICTS = [
    ("东城区", False, 14), ("西港区", False, 16), ("滨江区", False, 13), ("南湖区", False, 17),
    ("北塘区", False, 15), ("青山区", False, 12), ("龙泉区", False, 18), ("新华区", False, 15),
    ("云溪区", False, 14), ("金桥区", False, 16), ("临湖县", True, 15), ("平川县", True, 13),
    ("清河县", True, 17), ("石门县", True, 16), ("永安县", True, 14), ("桃源县", True, 15),
]
STREET_FIRST = "东西南北新青金银长永安和平兴华明文光福宝龙凤云清白黄柳桃梅桂松竹翠锦红双高马"
STREET_SECOND = "门桥湾港园林坊塘山岭坪溪口岗庄埠店洲河泉滩堤渡亭田阳"
COMMUNITY_STEMS = (
    "幸福 阳光 和平 花园 锦绣 新村 春晖 翠苑 丽景 康乐 友谊 建设 胜利 光明 朝阳 东苑 西苑 "
    "南苑 北苑 华庭 绿洲 滨河 香樟 桂花 紫荆 海棠 文化 学府 育才 人民 解放 民主 团结 振兴 "
    "长青 晨光 明珠 福寿 嘉禾 怡景 馨园 望湖 景秀 锦华 兴盛 康宁 安居 和睦 泰和 银杏").split()
VILLAGE_STEMS = (
    "李家 王庄 张湾 刘岗 陈塘 石桥 柳林 杨柳 桃花 杏花 梨园 枣林 新庄 老屯 大湾 小河 前营 "
    "后营 东岭 西坡 南洼 北坝 高岭 黄土 白沙 青龙 双井 三里 五家 马坊 牛角 鹿鸣 竹林 松岗 "
    "梅岭 荷塘 金鸡 凤凰 卧龙 龙潭 丰收 红旗 永丰 富民 长乐 太平 吉祥 谢家 周庄 吴家").split()
CENTER_KINDS = ["政务服务中心", "政务服务中心", "行政服务中心", "市民服务中心"]


def build_map():
    """[{name, county, center, streets: [{name, site, communities: [{name, site}]}]}]"""
    rng = random.Random(GEO_SEED)
    taken = {name[:2] for name, _, _ in DISTRICTS}
    stems = [a + b for a in STREET_FIRST for b in STREET_SECOND if a + b not in taken]
    rng.shuffle(stems)
    stems = iter(stems)
    districts = []
    for name, county, nstreets in DISTRICTS:
        # Urban districts: streets (街道), a town or two at the edge; counties: one or two
        # streets in the county seat, towns (镇) and a few townships (乡).
        if county:
            nstr = rng.randint(1, 2)
            nxiang = rng.randint(1, 3)
            kinds = ["街道"] * nstr + ["镇"] * (nstreets - nstr - nxiang) + ["乡"] * nxiang
        else:
            ntown = rng.choice([0, 0, 1, 2])
            kinds = ["街道"] * (nstreets - ntown) + ["镇"] * ntown
        streets = []
        for kind in kinds:
            sname = next(stems) + kind
            urban = kind == "街道"
            site = sname + ("便民服务中心" if urban or rng.random() < 0.6 else "为民服务中心")
            ncomm = rng.randint(8, 12)
            if urban:
                cnames = [s + "社区" for s in rng.sample(COMMUNITY_STEMS, ncomm)]
            else:  # the town centre has a community or two, the rest are villages
                nc = rng.randint(1, 2)
                cnames = ([s + "社区" for s in rng.sample(COMMUNITY_STEMS, nc)]
                          + [s + "村" for s in rng.sample(VILLAGE_STEMS, ncomm - nc)])
            comms = [{"name": c,
                      "site": c + ("党群服务中心便民服务站" if c.endswith("社区") else "便民服务代办点")}
                     for c in cnames]
            streets.append({"name": sname, "site": site, "communities": comms})
        districts.append({"name": name, "county": county,
                          "center": name + rng.choice(CENTER_KINDS),
                          "online_bias": rng.choice([-1, 0, 0, 0, 1]),
                          "streets": streets})
    return districts


# District counterparts of the city departments, for descriptions only (the department
# field itself stays the city department's name).
DEPT_URBAN = {
    "市公安局": "市公安局{d}分局",
    "市公安局交通警察支队车辆管理所": "市公安局交通警察支队{d}车管分所",
    "市公安局出入境管理支队": "市公安局{d}分局出入境管理大队",
    "市住房公积金管理中心": "市住房公积金管理中心{d}管理部",
    "市消防救援支队": "{d}消防救援大队",
    "市烟草专卖局": "市烟草专卖局{d}分局",
    "市自然资源和规划局": "市自然资源和规划局{d}分局",
    "市卫生健康委员会": "{d}卫生健康局",
}
DEPT_COUNTY = dict(DEPT_URBAN, **{
    "市公安局": "{d}公安局",
    "市公安局出入境管理支队": "{d}公安局出入境管理大队",
    "市烟草专卖局": "{d}烟草专卖局",
})


def district_dept(dept, district):
    table = DEPT_COUNTY if district["county"] else DEPT_URBAN
    if dept in table:
        return table[dept].format(d=district["name"])
    return district["name"] + (dept[1:] if dept.startswith("市") else dept)


# ------------------------------------------------------------------- service ranking

SINK_TOPICS = {"社会保障": 1.5, "残疾人服务": 1.5, "退休养老": 1.5, "生育收养": 1.5,
               "身后事": 1.5, "医疗卫生": 1.0, "户籍办理": 0.5, "就业创业": 0.5,
               "住房保障": 0.5, "教育科研": 0.3,
               "工程建设": -1.5, "经营许可": -1.5, "出境入境": -1.5, "企业开办": -1.0}
SINK_DEPTS = {"市民政局": 1.0, "市人力资源和社会保障局": 1.0, "市医疗保障局": 1.0,
              "市残疾人联合会": 1.0, "市退役军人事务局": 1.0, "市卫生健康委员会": 0.5,
              "市公安局出入境管理支队": -1.0, "市公安局交通警察支队车辆管理所": -1.0,
              "市生态环境局": -1.0, "市自然资源和规划局": -1.0, "市水利局": -1.0,
              "市烟草专卖局": -1.0, "市消防救援支队": -1.0, "市商务局": -1.0}
AUDIENCE_SINK = {"personal": 2.0, "both": 1.0, "enterprise": -1.0}


def sink_classes(items, rng):
    """0 = sinks to communities first (top 15 %), 1 = to streets (next 45 %), 2 = rest."""
    scores = []
    for i, it in enumerate(items):
        s = AUDIENCE_SINK.get(it.get("audience"), 0.0)
        s += max((SINK_TOPICS.get(t, 0.0) for t in it.get("topics") or []), default=0.0)
        s += SINK_DEPTS.get(it.get("department"), 0.0)
        s += 0.5 if it.get("kind") == "即办件" else 0.0
        scores.append((-(s + rng.random() * 0.2), i))
    scores.sort()
    n = len(items)
    cls = [2] * n
    for rank, (_, i) in enumerate(scores):
        cls[i] = 0 if rank < n * 0.15 else 1 if rank < n * 0.60 else 2
    return cls


# ------------------------------------------------------------------------ variations

DAY_LADDER = [1, 2, 3, 5, 7, 10, 12, 15, 20, 30, 45, 60, 90]
EXTRA_PERSONAL = [("委托", "授权委托书及受托人身份证件（委托办理的）"),
                  ("居住证", "本区居住证（非本区户籍的）"),
                  ("联系", "申请人联系方式及送达地址确认书")]
EXTRA_ENTERPRISE = [("经办人", "经办人身份证件及授权委托书"),
                    ("营业执照", "营业执照（副本）"),
                    ("承诺", "申请材料真实性承诺书")]
WINDOWS = ["综合受理窗口", "综合受理区", "{n}号窗口", "{n}号窗口", "{n}号窗口"]


def shorter(days, rng):
    """A plausibly shorter promise: a common number of days, 40-90 % of the original."""
    opts = [v for v in DAY_LADDER if days * 0.4 <= v < days]
    return rng.choice(opts) if opts else days


def with_promise(p, days):
    p["promised_days"] = max(0, min(days, p["legal_days"]))
    p["kind"] = "即办件" if p["promised_days"] == 0 else "承诺件"


def district_version(base, district, rng):
    """The district's version of a service; streets and communities inherit it."""
    p = {k: base[k] for k in ("topics", "audience", "kind", "online_level", "legal_days",
                              "promised_days", "fee", "materials")}
    p["topics"] = list(base["topics"])
    p["materials"] = list(base["materials"])
    ol = base["online_level"]
    bias = district["online_bias"]
    if bias and rng.random() < 0.5:
        ol += bias
    elif rng.random() < 0.05:
        ol += rng.choice([-1, 1])
    p["online_level"] = min(4, max(1, ol))
    promised = base["promised_days"]
    if promised > 0:
        x = rng.random()
        if promised <= 3 and x < 0.08:
            promised = 0  # 即来即办
        elif x < 0.30:
            promised = shorter(promised, rng)
    with_promise(p, promised)
    fee = base["fee"]
    if "工本费" in fee and p["audience"] != "enterprise" and rng.random() < 0.04:
        p["fee"] = fee + "（低保、特困人员免收）"
    if len(p["topics"]) > 1 and rng.random() < 0.10:
        p["topics"] = p["topics"][:1]
    x = rng.random()
    if x < 0.08:
        pool = EXTRA_ENTERPRISE if p["audience"] == "enterprise" else EXTRA_PERSONAL
        stem, extra = rng.choice(pool)
        if not any(stem in m for m in p["materials"]):
            p["materials"].append(extra)
    elif x < 0.14 and len(p["materials"]) >= 3:
        p["materials"].pop()  # obtained by data sharing (数据共享免提交)
    return p


def local_version(parent, rng, community):
    """A street's version of its district's (or a community's of its street's)."""
    p = dict(parent, topics=list(parent["topics"]), materials=list(parent["materials"]))
    if rng.random() < (0.20 if community else 0.10):
        p["online_level"] = max(1, p["online_level"] - 1)
    if not community and p["promised_days"] > 0 and rng.random() < 0.12:
        with_promise(p, p["promised_days"] + rng.choice([1, 2]))  # forwarded upwards
    if p["audience"] == "both" and rng.random() < 0.25:
        p["audience"] = "personal"
    if (p["audience"] != "enterprise" and rng.random() < 0.05
            and not any("社区" in m or "村委会" in m for m in p["materials"])):
        p["materials"].append("社区（村）出具的情况证明")
    return p


def window(rng):
    return rng.choice(WINDOWS).format(n=rng.randint(1, 48))


def describe(base, level, d, s, c, p, rng):
    desc = base["description"]
    site = (d["center"], s and s["site"], c and c["site"])[level - 1]
    if rng.random() < 0.25:
        return "【%s】" % site + desc
    x = rng.random()
    if level == 1:
        if x < 0.25:
            return desc + "在%s办理。" % site
        if x < 0.50:
            return desc + "办理地点：%s%s。" % (site, window(rng))
        if x < 0.75:
            return desc + "由%s受理，办理地点为%s%s。" % (
                district_dept(base["department"], d), site, window(rng))
        return desc + "可在%s综合受理窗口办理%s。" % (
            site, "，也可网上申办" if p["online_level"] >= 3 else "")
    if level == 2:
        if x < 0.34:
            return desc + "在%s办理。" % site
        if x < 0.67:
            return desc + "可就近在%s%s办理。" % (site, window(rng))
        return desc + "由%s受理，%s审核办结。" % (site, district_dept(base["department"], d))
    if x < 0.5:
        return desc + "在%s办理。" % site
    return desc + "可在%s申请帮办代办，由%s受理。" % (site, s["site"])


def seeded(seed, i, di, si, ci):
    """The random source of one variant: its own, so that the variant does not depend on
    which other variants are listed."""
    return random.Random((((seed * 1_000_003 + i) * 64 + di) * 64 + si + 1) * 64 + ci + 1)


def make_variant(base, i, di, si, ci, geo, seed, cache):
    """Variant (di, si, ci) of base item i; si/ci -1 for the district/street level.

    A variant's random source first derives its version of the service (the district's
    from the base, the street's from the district's, the community's from the street's),
    then its name, keywords and description.  `cache` keeps district and street versions
    for the levels below (variants come sorted, district and street before their own
    lower levels; a version not yet seen is derived the same way from its own source)."""
    d = geo[di]
    dv = cache.get((i, di))
    if dv is None or si < 0:
        rng = seeded(seed, i, di, -1, -1)
        dv = cache[(i, di)] = district_version(base, d, rng)
    code = "%s-D%02d" % (base["code"], di + 1)
    s = c = None
    if si < 0:
        level, p = 1, dv
        qualifiers = ["（%s）" % d["name"]]
        qprob = 0.20
    else:
        s = d["streets"][si]
        code += "-S%02d" % (si + 1)
        sv = cache.get((i, di, si))
        if sv is None or ci < 0:
            rng = seeded(seed, i, di, si, -1)
            sv = cache[(i, di, si)] = local_version(dv, rng, False)
        if ci < 0:
            level, p = 2, sv
            qualifiers = ["（%s%s）" % (d["name"], s["name"]), "（%s）" % s["name"]]
            qprob = 0.12
        else:
            c = s["communities"][ci]
            code += "-C%02d" % (ci + 1)
            rng = seeded(seed, i, di, si, ci)
            level, p = 3, local_version(sv, rng, True)
            qualifiers = ["（%s%s）" % (s["name"], c["name"])]
            qprob = 0.10
    name = base["name"]
    if rng.random() < qprob:
        q = rng.choice(qualifiers)
        if len(name) + len(q) <= MAX_NAME:
            name += q
    keywords = list(base["keywords"])
    if rng.random() < 0.30 and d["name"] not in keywords:
        keywords.append(d["name"])
    if s is not None and rng.random() < 0.20 and s["name"] not in keywords:
        keywords.append(s["name"])
    return {
        "code": code,
        "name": name,
        "department": base["department"],
        "topics": list(p["topics"]),
        "audience": p["audience"],
        "kind": p["kind"],
        "online_level": p["online_level"],
        "legal_days": p["legal_days"],
        "promised_days": p["promised_days"],
        "fee": p["fee"],
        "materials": list(p["materials"]),
        "keywords": keywords,
        "description": describe(base, level, d, s, c, p, rng),
    }


# ------------------------------------------------------------------------- selection

def select(n_items, cls, geo, need, seed):
    """The first `need` variants in priority order, as (district, street, community, item).

    Tiers, each in its own seeded random order: 1 every service per district; 2 street
    level of class 0-1 services; 3 community level of class 0; 4 street level of class 2;
    5 community level of class 1; 6 community level of class 2."""
    by_class = [[i for i in range(n_items) if cls[i] == k] for k in range(3)]
    streets = [(di, si) for di, d in enumerate(geo) for si in range(len(d["streets"]))]
    comms = [(di, si, ci) for di, si in streets
             for ci in range(len(geo[di]["streets"][si]["communities"]))]
    tiers = [
        lambda: [(di, -1, -1, i) for di in range(len(geo)) for i in range(n_items)],
        lambda: [(di, si, -1, i) for di, si in streets for i in by_class[0] + by_class[1]],
        lambda: [(di, si, ci, i) for di, si, ci in comms for i in by_class[0]],
        lambda: [(di, si, -1, i) for di, si in streets for i in by_class[2]],
        lambda: [(di, si, ci, i) for di, si, ci in comms for i in by_class[1]],
        lambda: [(di, si, ci, i) for di, si, ci in comms for i in by_class[2]],
    ]
    chosen = []
    for t, build in enumerate(tiers, 1):
        if need <= 0:
            break
        cands = build()
        if len(cands) > need:
            random.Random("%d/tier%d" % (seed, t)).shuffle(cands)
            cands = cands[:need]
        chosen.extend(cands)
        need -= len(cands)
    chosen.sort()
    return chosen


# ------------------------------------------------------------------------------ main

def size_arg(text):
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number, got %r" % text)
    if not MIN_SIZE <= n <= MAX_SIZE:
        raise argparse.ArgumentTypeError(
            "must be between %d (the sample catalog) and %d, got %d"
            % (MIN_SIZE, MAX_SIZE, n))
    return n


def fail(msg):
    sys.exit("gen-catalog: " + msg)


REQUIRED = {"code": str, "name": str, "department": str, "topics": list, "audience": str,
            "kind": str, "online_level": int, "legal_days": int, "promised_days": int,
            "fee": str, "materials": list, "keywords": list, "description": str}
SUFFIX_MAX = len("-D00-S00-C00")


def load_base(path):
    try:
        with open(path, encoding="utf-8") as f:
            items = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read --base %s: %s" % (path, e))
    if not isinstance(items, list) or not items:
        fail("--base %s: expected a non-empty JSON list of items" % path)
    seen = set()
    for n, it in enumerate(items):
        where = "--base %s item %d" % (path, n)
        if not isinstance(it, dict):
            fail(where + ": not an object")
        for k, typ in REQUIRED.items():
            if not isinstance(it.get(k), typ) or (typ is int and isinstance(it[k], bool)):
                fail("%s: field %r missing or not %s" % (where, k, typ.__name__))
        code = it["code"]
        if not CODE_RE.fullmatch(code) or len(code) + SUFFIX_MAX > MAX_CODE:
            fail("%s: code %r must be [A-Za-z0-9-] and at most %d characters"
                 % (where, code, MAX_CODE - SUFFIX_MAX))
        if code in seen:
            fail("%s: duplicate code %r" % (where, code))
        seen.add(code)
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=size_arg, required=True,
                    help="number of items, %d..%d" % (MIN_SIZE, MAX_SIZE))
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--base", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "data", "catalog-sample.json"),
                    help="base catalog (default data/catalog-sample.json)")
    ap.add_argument("--out", required=True, help="output file, or - for stdout")
    args = ap.parse_args()
    if args.seed < 0:
        ap.error("--seed must be >= 0")

    t0 = time.monotonic()
    base = load_base(args.base)
    geo = build_map()
    nstreets = sum(len(d["streets"]) for d in geo)
    ncomms = sum(len(s["communities"]) for d in geo for s in d["streets"])
    capacity = len(base) * (1 + len(geo) + nstreets + ncomms)
    if args.size < len(base):
        fail("--size %d is smaller than the base catalog (%d items)" % (args.size, len(base)))
    if args.size > capacity:
        fail("--size %d is more than %d items of %s can make (%d per item)"
             % (args.size, len(base), args.base, capacity // len(base)))

    cls = sink_classes(base, random.Random("%d/classes" % args.seed))
    chosen = select(len(base), cls, geo, args.size - len(base), args.seed)

    def items():
        yield from base
        for di, si, ci, i in chosen:
            yield make_variant(base[i], i, di, si, ci, geo, args.seed, cache)

    cache = {}
    stats = {"names": set(), "bytes": 0}
    if args.out == "-":
        write(sys.stdout.buffer, items(), stats)
        sys.stdout.buffer.flush()
    else:  # all or nothing: a failed run leaves no half-written catalog behind
        out = os.path.abspath(args.out)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".gen-catalog-", dir=os.path.dirname(out))
        except OSError as e:
            fail("cannot write --out %s: %s" % (args.out, e))
        try:
            with os.fdopen(fd, "wb") as f:
                write(f, items(), stats)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        except BaseException:
            os.unlink(tmp)
            raise
    levels = [0, 0, 0]
    for _, si, ci, _ in chosen:
        levels[(si >= 0) + (ci >= 0)] += 1
    print("gen-catalog: %d items (%d base, %d district, %d street, %d community), "
          "%d distinct names, %.1f MB (%d bytes) -> %s, seed %d, %.1fs"
          % (len(base) + len(chosen), len(base), levels[0], levels[1], levels[2],
             len(stats["names"]), stats["bytes"] / 1e6, stats["bytes"], args.out, args.seed,
             time.monotonic() - t0),
          file=sys.stderr)


def write(f, items, stats):
    """A JSON list, one item per line, written as it is generated."""
    enc = json.JSONEncoder(ensure_ascii=False).encode
    names = stats["names"]
    chunk = []
    sep = b"[\n"
    for it in items:
        names.add(it["name"])
        chunk.append(sep + enc(it).encode("utf-8"))
        sep = b",\n"
        if len(chunk) >= 4096:
            stats["bytes"] += f.write(b"".join(chunk))
            chunk = []
    chunk.append(b"\n]\n")
    stats["bytes"] += f.write(b"".join(chunk))

if __name__ == "__main__":
    main()
