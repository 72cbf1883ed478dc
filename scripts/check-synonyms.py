#!/usr/bin/python3
"""Checks the shipped synonym dictionary (data/synonyms.tsv) against the catalog.

Usage: /usr/bin/python3 scripts/check-synonyms.py [SYNONYMS.tsv [CATALOG.json]]
       (defaults: data/synonyms.tsv and data/catalog-sample.json of this repository)

Every line is empty, a comment (starting with '#'), or `term<TAB>expansion`:
  - term: 1..16 characters; either Chinese (simplified characters only, no spaces, no
    digits, no punctuation) or English (lowercase ASCII words separated by single spaces);
  - expansion: 1..32 characters, no tab, no leading or trailing space, and it must occur
    literally in the name or in one of the keywords of at least one catalog item;
  - the term must differ from its expansion, and a (term, expansion) pair appears once.
The file must be UTF-8 without a byte-order mark and without carriage returns.

Prints each offending line as `FILE:LINE: reason: text` and exits 1 if there is any;
prints a one-line summary and exits 0 otherwise; exits 2 if a file cannot be read.
Standard library only.
"""
import json
import os
import re
import sys

TERM_MAX = 16
EXPANSION_MAX = 32

ENGLISH_TERM = re.compile(r"[a-z]+( [a-z]+)*")
# CJK Unified Ideographs (basic block); simplified-ness is checked separately below.
CHINESE_TERM = re.compile(r"[\u4e00-\u9fff]+")


def is_simplified(text):
    """True if every character is a GB 2312 hanzi.

    GB 2312 holds the 6763 common simplified characters and no traditional forms, so a
    traditional character (護, 駕, 證) fails. A rare simplified character outside GB 2312
    would fail too; none is needed for colloquial search terms.
    """
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def term_problem(term):
    if not 1 <= len(term) <= TERM_MAX:
        return "term is %d characters (1..%d)" % (len(term), TERM_MAX)
    if ENGLISH_TERM.fullmatch(term):
        return None
    if CHINESE_TERM.fullmatch(term):
        if not is_simplified(term):
            return "term has a character that is not simplified Chinese (GB 2312)"
        return None
    if term.lower() != term and ENGLISH_TERM.fullmatch(term.lower()):
        return "English term must be lowercase"
    return ("term must be simplified Chinese characters only, or lowercase English "
            "words separated by single spaces (no digits, no punctuation)")


def load_catalog_texts(path):
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    texts = []
    for item in items:
        texts.append(item["name"])
        texts.extend(item.get("keywords", []))
    return items, texts


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) > 3 or (len(argv) > 1 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    syn_path = argv[1] if len(argv) > 1 else os.path.join(root, "data", "synonyms.tsv")
    cat_path = argv[2] if len(argv) > 2 else os.path.join(root, "data", "catalog-sample.json")

    try:
        items, texts = load_catalog_texts(cat_path)
        with open(syn_path, "rb") as f:
            raw = f.read()
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("check-synonyms: cannot read input: %s" % e, file=sys.stderr)
        return 2

    shown = argv[1] if len(argv) > 1 else "data/synonyms.tsv"
    problems = []

    def bad(lineno, reason, text):
        problems.append("%s:%d: %s: %s" % (shown, lineno, reason, text))

    if raw.startswith(b"\xef\xbb\xbf"):
        bad(1, "byte-order mark (save as UTF-8 without BOM)", "")
        raw = raw[3:]
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print("%s: not UTF-8: %s" % (shown, e))
        return 1

    found_cache = {}
    seen = {}
    entries = 0
    terms = set()
    english = 0
    for lineno, line in enumerate(content.split("\n"), start=1):
        if "\r" in line:
            bad(lineno, "carriage return (use LF line endings)", line.replace("\r", "\\r"))
            line = line.replace("\r", "")
        if line.strip() == "":
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            bad(lineno, "expected exactly one tab (term<TAB>expansion), found %d"
                % (len(fields) - 1), line)
            continue
        term, expansion = fields
        reason = term_problem(term)
        if reason:
            bad(lineno, reason, line)
        if not 1 <= len(expansion) <= EXPANSION_MAX:
            bad(lineno, "expansion is %d characters (1..%d)"
                % (len(expansion), EXPANSION_MAX), line)
        elif expansion != expansion.strip():
            bad(lineno, "expansion has leading or trailing whitespace", line)
        else:
            if expansion not in found_cache:
                found_cache[expansion] = any(expansion in t for t in texts)
            if not found_cache[expansion]:
                bad(lineno, "expansion occurs in no catalog item name or keyword", line)
        if term == expansion:
            bad(lineno, "term equals its expansion", line)
        key = (term, expansion)
        if key in seen:
            bad(lineno, "duplicate of line %d" % seen[key], line)
        else:
            seen[key] = lineno
        entries += 1
        terms.add(term)
        if ENGLISH_TERM.fullmatch(term):
            english += 1

    if problems:
        for p in problems:
            print(p)
        print("check-synonyms: %d problem(s) in %s" % (len(problems), shown))
        return 1
    print("check-synonyms: ok: %d entries (%d distinct terms; %d Chinese, %d English) "
          "checked against %d catalog items"
          % (entries, len(terms), entries - english, english, len(items)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
