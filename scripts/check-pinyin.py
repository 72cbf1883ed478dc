#!/usr/bin/python3
"""Checks the shipped pinyin tables (data/pinyin/chars.tsv, words.tsv).

Usage: /usr/bin/python3 scripts/check-pinyin.py [PINYIN_DIR [CATALOG.json]]
       (defaults: data/pinyin and data/catalog-sample.json of this repository)

1. Format: every non-comment line is `key<TAB>value`; chars.tsv keys are single
   characters of U+3400..U+4DBF / U+4E00..U+9FFF, values one toneless lowercase ASCII
   syllable (u-umlaut as v); words.tsv keys are 2..8 such characters, values one syllable
   per character separated by single spaces; keys unique and sorted by code point.
2. Readings: segments each phrase below greedily by the longest word of words.tsv (else
   per character from chars.tsv) and compares with the expected reading.
3. Catalog: every Han character in the name, keywords and description of every catalog
   item has a line in chars.tsv.

Prints one line per failure and a summary; exits 1 on any failure (an XFAIL, a known
disagreement between an expectation and the source data, is reported but does not fail),
2 if a file cannot be read. Standard library only.
"""
import json
import os
import re
import sys
import unicodedata

from pinyin_words import MAX_WORD, MIN_WORD, longest_match  # scripts/pinyin_words.py

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
SYLLABLE = re.compile(r"[a-z]+\Z")

EXPECTED = [
    ("行长", "hang zhang"), ("长大", "zhang da"), ("重庆", "chong qing"),
    ("银行", "yin hang"), ("社保卡", "she bao ka"),
    ("机动车驾驶证", "ji dong che jia shi zheng"), ("不动产登记", "bu dong chan deng ji"),
    ("住房公积金", "zhu fang gong ji jin"), ("单位", "dan wei"), ("重新", "chong xin"),
    ("还款", "huan kuan"), ("朝阳区", "chao yang qu"), ("生育登记", "sheng yu deng ji"),
    ("护照", "hu zhao"), ("出入境", "chu ru jing"), ("营业执照", "ying ye zhi zhao"),
    ("残疾人证", "can ji ren zheng"), ("都市", "du shi"), ("首都", "shou dou"),
    ("音乐", "yin yue"), ("快乐", "kuai le"), ("会计", "kuai ji"), ("薄荷", "bo he"),
    ("供给", "gong ji"), ("给予", "ji yu"), ("补给", "bu ji"), ("参加", "can jia"),
    ("人参", "ren shen"), ("差异", "cha yi"), ("出差", "chu chai"), ("还有", "hai you"),
    ("调查", "diao cha"), ("调整", "tiao zheng"), ("重要", "zhong yao"),
    ("退还", "tui huan"), ("处理", "chu li"), ("处长", "chu zhang"),
    ("变更", "bian geng"), ("更加", "geng jia"), ("了解", "liao jie"),
    ("校对", "jiao dui"), ("学校", "xue xiao"), ("提供", "ti gong"),
    ("供应", "gong ying"),
]

# Expectations that the source data contradicts. Reported as XFAIL, not fixed in the data.
XFAIL = {
    "首都": "@pinyin-pro/data reads 首都 shǒu dū (the standard reading: 都 dū 'capital'); "
            "the expectation 'shou dou' disagrees with the source",
}


def in_range(ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in RANGES)


def is_han(ch):
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH",
                                                 "CJK COMPATIBILITY IDEOGRAPH"))


def load_tsv(path, problems, is_words):
    table, prev = {}, None
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        print("check-pinyin: cannot read %s: %s" % (path, e))
        sys.exit(2)
    if raw.startswith(b"\xef\xbb\xbf") or b"\r" in raw:
        problems.append("%s: byte-order mark or carriage return" % path)
    in_header = True
    for n, line in enumerate(raw.decode("utf-8").split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            if not in_header:
                problems.append("%s:%d: comment after data" % (path, n))
            continue
        in_header = False
        parts = line.split("\t")
        if len(parts) != 2:
            problems.append("%s:%d: not key<TAB>value: %r" % (path, n, line))
            continue
        key, val = parts
        syls = val.split(" ")
        if is_words:
            ok = MIN_WORD <= len(key) <= MAX_WORD and len(syls) == len(key)
        else:
            ok = len(key) == 1 and len(syls) == 1
        if not ok or not all(in_range(c) for c in key) or \
                not all(SYLLABLE.match(s) for s in syls):
            problems.append("%s:%d: bad entry: %r" % (path, n, line))
            continue
        if key in table:
            problems.append("%s:%d: duplicate key %s" % (path, n, key))
        if prev is not None and key <= prev:
            problems.append("%s:%d: not sorted (%s after %s)" % (path, n, key, prev))
        prev = key
        table[key] = syls
    return table


def reader(chars, words):
    def read(text):
        return " ".join(longest_match(text, words, lambda c: chars.get(c, ["?" + c])))
    return read


def main():
    pinyin_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "data", "pinyin")
    catalog_path = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(REPO, "data", "catalog-sample.json")
    problems = []
    chars = load_tsv(os.path.join(pinyin_dir, "chars.tsv"), problems, False)
    words = load_tsv(os.path.join(pinyin_dir, "words.tsv"), problems, True)
    read = reader(chars, words)

    passed = xfailed = 0
    for phrase, want in EXPECTED:
        got = read(phrase)
        if got == want:
            if phrase in XFAIL:
                problems.append("XPASS %s: %s (remove it from XFAIL)" % (phrase, got))
            else:
                passed += 1
        elif phrase in XFAIL:
            xfailed += 1
            print("XFAIL %s: got '%s', expected '%s' - %s" % (phrase, got, want, XFAIL[phrase]))
        else:
            problems.append("FAIL %s: got '%s', expected '%s'" % (phrase, got, want))

    try:
        with open(catalog_path, encoding="utf-8") as f:
            catalog = json.load(f)
    except (OSError, ValueError) as e:
        print("check-pinyin: cannot read %s: %s" % (catalog_path, e))
        sys.exit(2)
    seen, missing = set(), {}
    for item in catalog:
        texts = [item.get("name", ""), item.get("description", "")] + list(item.get("keywords", []))
        for text in texts:
            for ch in text:
                if is_han(ch):
                    seen.add(ch)
                    if ch not in chars:
                        missing.setdefault(ch, item.get("code", "?"))
    for ch, code in sorted(missing.items()):
        problems.append("catalog: %s U+%04X (first in %s) has no reading in chars.tsv"
                        % (ch, ord(ch), code))

    for p in problems:
        print(p)
    print("check-pinyin: %d chars, %d words; readings %d passed, %d failed, %d xfail; "
          "catalog %d items, %d distinct Han characters, %d without a reading"
          % (len(chars), len(words), passed,
             sum(1 for p in problems if p.startswith(("FAIL", "XPASS"))), xfailed,
             len(catalog), len(seen), len(missing)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
