#!/usr/bin/env python3
"""Merges per-service definitions into the demo catalog (data/catalog-sample.json, in its own
style: two-space indent, UTF-8 as is): each service named in FORMS gets its form_schema and
its structured materials (replacing the list of names), and the items of NEW_ITEMS are
appended (once; with their definitions when FORMS has them).

Usage: scripts/merge-catalog-forms.py FORMS.json NEW_ITEMS.json [CATALOG.json]"""
import json
import sys


def with_definitions(item, definition):
    """The item with materials replaced and form_schema placed right after them."""
    out = {}
    for key, value in item.items():
        if key == "form_schema":
            continue
        out[key] = definition["materials"] if key == "materials" else value
        if key == "materials":
            out["form_schema"] = definition["form_schema"]
    return out


def main():
    forms_path, new_path = sys.argv[1], sys.argv[2]
    catalog_path = sys.argv[3] if len(sys.argv) > 3 else "data/catalog-sample.json"
    with open(forms_path, encoding="utf-8") as f:
        forms = json.load(f)
    with open(new_path, encoding="utf-8") as f:
        new_items = json.load(f)
    with open(catalog_path, encoding="utf-8") as f:
        catalog = json.load(f)
    known = {item["code"] for item in catalog}
    catalog += [item for item in new_items if item["code"] not in known]
    missing = set(forms) - {item["code"] for item in catalog}
    if missing:
        sys.exit(f"forms for services not in the catalog: {sorted(missing)}")
    merged = [with_definitions(item, forms[item["code"]]) if item["code"] in forms else item
              for item in catalog]
    with open(catalog_path, "w", encoding="utf-8") as f:
        json.dump(merged, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"{len(merged)} items, {len(forms)} with form definitions")


if __name__ == "__main__":
    main()
