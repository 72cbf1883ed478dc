#!/usr/bin/python3
"""Adds the project's English translations to the shipped catalog, mechanically.

    scripts/add-english.py DIR     # DIR holds en.json, departments-en.json, topics-en.json

en.json maps an item code to {"name_en", "description_en"}; departments-en.json and
topics-en.json map a code to its English name. Each item of data/catalog-sample.json gets
"name_en" after "name" and "description_en" after "description"; each department and topic
of data/codes.json gets "name_en" after "name". Nothing else changes (the files keep their
formatting), so the edit merges with other changes of the same files. Running it again
replaces the English fields. Items without a translation are left as they are.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def with_after(obj, after, key, value):
    """A copy of obj with key placed right after the key `after`."""
    out = {}
    for k, v in obj.items():
        if k == key:
            continue
        out[k] = v
        if k == after:
            out[key] = value
    return out


def main(src):
    en = json.load(open(os.path.join(src, "en.json"), encoding="utf-8"))
    names = {"departments": json.load(open(os.path.join(src, "departments-en.json"), encoding="utf-8")),
             "topics": json.load(open(os.path.join(src, "topics-en.json"), encoding="utf-8"))}
    path = os.path.join(ROOT, "data", "catalog-sample.json")
    items = json.load(open(path, encoding="utf-8"))
    out = []
    for item in items:
        t = en.get(item["code"])
        if t:
            item = with_after(item, "name", "name_en", t["name_en"])
            item = with_after(item, "description", "description_en", t["description_en"])
        out.append(item)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    path = os.path.join(ROOT, "data", "codes.json")
    codes = json.load(open(path, encoding="utf-8"))
    for kind in ("departments", "topics"):
        codes[kind] = [with_after(c, "name", "name_en", names[kind][c["code"]])
                       if c["code"] in names[kind] else c for c in codes[kind]]
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(codes, ensure_ascii=False, indent=1))
    print(f"{sum(1 for i in items if i['code'] in en)} of {len(items)} items translated")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
