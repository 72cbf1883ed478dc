#!/usr/bin/python3
"""Generates the shipped hanzi -> pinyin tables in data/pinyin/ from maintained sources.

Usage:
  /usr/bin/python3 scripts/gen-pinyin.py PINYIN_PRO_DATA_DIR UNIHAN_READINGS \
      [--unihan-variants FILE] [--out DIR]

  PINYIN_PRO_DATA_DIR  the installed npm package @pinyin-pro/data (the folder holding
                       package.json and json/), or its json/ folder
  UNIHAN_READINGS      Unihan_Readings.txt or .txt.bz2 (Debian: unicode-data,
                       /usr/share/unicode/Unihan_Readings.txt.bz2)
  --unihan-variants    Unihan_Variants.txt(.bz2); default: beside UNIHAN_READINGS
  --out                output folder; default: data/pinyin of this repository

Regenerate (outside the repository, then from its root):
  mkdir -p /tmp/pyd && cd /tmp/pyd && npm install @pinyin-pro/data
  apt-get install -y unicode-data
  /usr/bin/python3 scripts/gen-pinyin.py /tmp/pyd/node_modules/@pinyin-pro/data \
      /usr/share/unicode/Unihan_Readings.txt.bz2
  /usr/bin/python3 scripts/check-pinyin.py

Writes (UTF-8, LF, sorted by code point, '#' comment lines first):
  chars.tsv  `<char>\t<reading>` for every character of U+3400..U+4DBF and U+4E00..U+9FFF
             that has a reading: its default (most common) reading.
  words.tsv  `<word>\t<syl> <syl> ...` for simplified words of 2..8 characters whose
             reading differs from the concatenated defaults of chars.tsv, plus the few
             "guard" words that a greedy longest-match reader needs so that every source
             word reads as its source says (see SOURCE.md).
  SOURCE.md  sources, versions, licences, derivation, regenerate commands, counts.

Readings are toneless lowercase ASCII; u-umlaut is written `v` (lü -> lv, nü -> nv).

Default reading of a character: Unihan kMandarin (its first value, the zh-Hans one),
except where pinyin-pro-data's two independent signals agree on another reading: the
character's own entry in modern.json (headwords of the Modern Chinese Dictionary, 7th ed.)
AND its frequency-weighted majority reading over all multi-character words of
complete.json + modern.json. Characters without kMandarin take pinyin-pro-data's entry
(or its majority reading).

Standard library only. Output is deterministic (no timestamps).
"""
import argparse
import bz2
import collections
import hashlib
import json
import os
import re
import sys
import unicodedata

from pinyin_words import MAX_WORD, MIN_WORD, longest_match  # scripts/pinyin_words.py

RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
SYLLABLE = re.compile(r"[a-z]+\Z")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def in_range(ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in RANGES)


def toneless(syl):
    """'lǚ' -> 'lv', 'zhǎng' -> 'zhang', 'ǹg' -> 'ng', 'ḿ' -> 'm', 'ê' -> 'e'."""
    s = unicodedata.normalize("NFD", syl.strip().lower())
    s = s.replace("u\u0308", "v")  # u + combining diaeresis
    s = "".join(c for c in s if not unicodedata.combining(c))
    if not SYLLABLE.match(s):
        raise ValueError("unexpected pinyin syllable %r" % syl)
    return s


def open_text(path):
    if path.endswith(".bz2"):
        return bz2.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_unihan(path, field):
    """Returns ({char: [values]}, header lines) for one Unihan field."""
    out, header = {}, []
    with open_text(path) as f:
        for line in f:
            if line.startswith("#"):
                if len(header) < 12:
                    header.append(line.rstrip("\n"))
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == field:
                out[chr(int(parts[0][2:], 16))] = parts[2].split()
    return out, header


def header_value(header, key):
    for line in header:
        if line.startswith("# " + key + ":"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def find_pinyin_pro(path):
    """Returns (json_dir, package.json dict or {})."""
    if os.path.isfile(os.path.join(path, "json", "modern.json")):
        json_dir, pkg_dir = os.path.join(path, "json"), path
    elif os.path.isfile(os.path.join(path, "modern.json")):
        json_dir, pkg_dir = path, os.path.dirname(os.path.abspath(path))
    else:
        sys.exit("gen-pinyin: no modern.json under %s (install @pinyin-pro/data)" % path)
    pkg = {}
    if os.path.isfile(os.path.join(pkg_dir, "package.json")):
        with open(os.path.join(pkg_dir, "package.json"), encoding="utf-8") as f:
            pkg = json.load(f)
    return json_dir, pkg


def load_dict(path):
    """pinyin-pro ComplexDict: {word: [pinyin with tone marks, frequency, (tag)]}."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    out = {}
    for word, val in raw.items():
        syls = val[0].split()
        if len(syls) != len(word):
            continue  # never happens in 1.3.1; guards a future format change
        out[word] = ([toneless(s) for s in syls], float(val[1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pinyin_pro_dir")
    ap.add_argument("unihan_readings")
    ap.add_argument("--unihan-variants")
    ap.add_argument("--out", default=os.path.join(REPO, "data", "pinyin"))
    args = ap.parse_args()

    json_dir, pkg = find_pinyin_pro(args.pinyin_pro_dir)
    modern_path = os.path.join(json_dir, "modern.json")
    complete_path = os.path.join(json_dir, "complete.json")
    trad_path = os.path.join(json_dir, "traditional.json")
    for p in (complete_path, trad_path):
        if not os.path.isfile(p):
            sys.exit("gen-pinyin: missing %s" % p)
    variants_path = args.unihan_variants or os.path.join(
        os.path.dirname(os.path.abspath(args.unihan_readings)),
        "Unihan_Variants.txt.bz2" if args.unihan_readings.endswith(".bz2")
        else "Unihan_Variants.txt")

    modern = load_dict(modern_path)
    complete = load_dict(complete_path)
    with open(trad_path, encoding="utf-8") as f:
        trad_map = json.load(f)  # traditional char -> simplified char
    mandarin_raw, uh_header = read_unihan(args.unihan_readings, "kMandarin")
    mandarin = {c: toneless(v[0]) for c, v in mandarin_raw.items()}
    simp_var, _ = read_unihan(variants_path, "kSimplifiedVariant")
    trad_var, _ = read_unihan(variants_path, "kTraditionalVariant")

    # All entries: complete.json (jieba word list) with modern.json on top (identical
    # readings where both have a word in 1.3.1; modern.json wins if that ever changes).
    entries = dict(complete)
    entries.update(modern)

    # ---- per-character default reading -------------------------------------------
    usage = collections.defaultdict(collections.Counter)
    for word, (syls, freq) in entries.items():
        if len(word) < 2:
            continue
        for ch, syl in zip(word, syls):
            usage[ch][syl] += freq
    usage_top = {}
    for ch, cnt in usage.items():
        # most frequent; ties broken by kMandarin, then alphabetically
        usage_top[ch] = min(cnt.items(),
                            key=lambda kv: (-kv[1], kv[0] != mandarin.get(ch), kv[0]))[0]
    modern_single = {w: s[0] for w, (s, _) in modern.items() if len(w) == 1}
    complete_single = {w: s[0] for w, (s, _) in complete.items() if len(w) == 1}

    default = {}
    why = collections.Counter()
    for lo, hi in RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            km, ms, ut = mandarin.get(ch), modern_single.get(ch), usage_top.get(ch)
            if km and ms and ms == ut and ms != km:
                default[ch] = ms
                why["pinyin-pro (modern.json entry = usage majority) over kMandarin"] += 1
            elif km:
                default[ch] = km
                why["Unihan kMandarin"] += 1
            else:
                alt = ms or complete_single.get(ch) or ut
                if alt:
                    default[ch] = alt
                    why["pinyin-pro only (no kMandarin)"] += 1
    overridden = sorted(ch for ch in default
                        if mandarin.get(ch) and default[ch] != mandarin[ch])

    # ---- words ------------------------------------------------------------------
    modern_chars = set("".join(modern))

    def traditional_only(ch):
        if ch in trad_map and trad_map[ch] != ch:
            return True  # pinyin-pro's own traditional -> simplified table
        sv = simp_var.get(ch)
        return bool(sv) and ch not in sv and ch not in trad_var and ch not in modern_chars

    dropped = collections.Counter()
    candidates = {}
    for word, (syls, freq) in entries.items():
        if len(word) < MIN_WORD:
            dropped["single characters (used only for the defaults)"] += 1
            continue
        if len(word) > MAX_WORD:
            dropped["longer than %d characters" % MAX_WORD] += 1
            continue
        if not all(in_range(ch) for ch in word):
            dropped["character outside U+3400..4DBF/U+4E00..9FFF"] += 1
            continue
        if word not in modern and any(traditional_only(ch) for ch in word):
            dropped["traditional/variant form (not simplified)"] += 1
            continue
        candidates[word] = syls

    def concat_default(word):
        return [default.get(ch, "?") for ch in word]

    table = {w: s for w, s in candidates.items() if s != concat_default(w)}
    n_differ = len(table)

    def greedy(text, tab):
        return longest_match(text, tab, lambda c: [default.get(c, "?")])

    # Guard words: a word whose own reading equals the defaults is still needed when a
    # greedy longest-match reader would otherwise take a differing word across it, e.g.
    # 本行政区域 (source: ben xing zheng qu yu) would read 本行|政|区|域 = ben hang ...
    # Iterate to a fixpoint (adding a guard can change how other words segment).
    guards = set()
    while True:
        add = {w: s for w, s in candidates.items() if w not in table and greedy(w, table) != s}
        if not add:
            break
        table.update(add)
        guards.update(add)
    still_wrong = sum(1 for w, s in candidates.items() if greedy(w, table) != s)

    # ---- write ------------------------------------------------------------------
    os.makedirs(args.out, exist_ok=True)
    version = pkg.get("version", "unknown")
    licence = pkg.get("license", "unknown")
    uni_version = header_value(uh_header, "Unicode version")
    uni_date = header_value(uh_header, "Date")
    regen = ("/usr/bin/python3 scripts/gen-pinyin.py "
             "/tmp/pyd/node_modules/@pinyin-pro/data "
             "/usr/share/unicode/Unihan_Readings.txt.bz2")
    uni_copyright = next((ln[2:].strip() for ln in uh_header if ln.startswith("# \u00a9")),
                         "\u00a9 Unicode, Inc.")
    common_head = [
        "# Generated by scripts/gen-pinyin.py - do not edit; see data/pinyin/SOURCE.md.",
        "# Modified data derived from npm @pinyin-pro/data %s (ISC licence) and the Unicode"
        " Unihan database %s (%s; Unicode licence)." % (version, uni_version, uni_copyright),
        "# Regenerate: " + regen,
    ]
    chars_path = os.path.join(args.out, "chars.tsv")
    words_path = os.path.join(args.out, "words.tsv")
    with open(chars_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(common_head) + "\n")
        f.write("# <char>\\t<default reading>; toneless, u-umlaut written v.\n")
        for ch in sorted(default):
            f.write("%s\t%s\n" % (ch, default[ch]))
    with open(words_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(common_head) + "\n")
        f.write("# <word>\\t<syllables>; only words whose reading differs from chars.tsv, "
                "plus greedy-match guard words.\n")
        for w in sorted(table):
            f.write("%s\t%s\n" % (w, " ".join(table[w])))

    def stats(path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")[:-1]
        data = sum(1 for ln in lines if not ln.startswith("#"))
        return len(lines), data, os.path.getsize(path)

    c_lines, c_data, c_size = stats(chars_path)
    w_lines, w_data, w_size = stats(words_path)
    write_source_md(args.out, dict(
        version=version, licence=licence, uni_version=uni_version, uni_copyright=uni_copyright,
        uni_date=uni_date, regen=regen,
        inputs=[(os.path.basename(p), os.path.getsize(p), sha256(p)) for p in
                (modern_path, complete_path, trad_path, args.unihan_readings, variants_path)],
        n_modern=len(modern), n_complete=len(complete), n_entries=len(entries),
        n_modern_single=len(modern_single), why=why, overridden=overridden,
        mandarin=mandarin, default=default, dropped=dropped, n_candidates=len(candidates),
        n_differ=n_differ, n_guards=len(guards), still_wrong=still_wrong,
        c=(c_lines, c_data, c_size), w=(w_lines, w_data, w_size)))

    print("chars.tsv: %d characters (%d lines, %d bytes)" % (c_data, c_lines, c_size))
    print("words.tsv: %d words = %d differing + %d guards (%d lines, %d bytes)"
          % (w_data, n_differ, len(guards), w_lines, w_size))
    print("default readings: " + ", ".join("%s %d" % kv for kv in sorted(why.items())))
    print("source words misread by greedy longest match after trimming: %d" % still_wrong)


UNICODE_NOTICE = """\
   > Permission is hereby granted, free of charge, to any person obtaining a copy of the
   > Unicode data files and any associated documentation (the "Data Files") or Unicode
   > software and any associated documentation (the "Software") to deal in the Data Files or
   > Software without restriction, including without limitation the rights to use, copy,
   > modify, merge, publish, distribute, and/or sell copies of the Data Files or Software,
   > and to permit persons to whom the Data Files or Software are furnished to do so,
   > provided that either (a) this copyright and permission notice appear with all copies of
   > the Data Files or Software, or (b) this copyright and permission notice appear in
   > associated Documentation.
   >
   > THE DATA FILES AND SOFTWARE ARE PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
   > OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR
   > A PARTICULAR PURPOSE AND NONINFRINGEMENT OF THIRD PARTY RIGHTS. IN NO EVENT SHALL THE
   > COPYRIGHT HOLDER OR HOLDERS INCLUDED IN THIS NOTICE BE LIABLE FOR ANY CLAIM, OR ANY
   > SPECIAL INDIRECT OR CONSEQUENTIAL DAMAGES, OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS
   > OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS
   > ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THE DATA FILES OR
   > SOFTWARE.
   >
   > Except as contained in this notice, the name of a copyright holder shall not be used in
   > advertising or otherwise to promote the sale, use or other dealings in these Data Files
   > or Software without prior written authorization of the copyright holder."""


def write_source_md(out, m):
    m = dict(m)
    m["inputs"] = "\n".join("| `%s` | %d | `%s` |" % (n, s, h) for n, s, h in m["inputs"])
    m["overridden"] = " ".join("%s %s→%s" % (ch, m["mandarin"][ch], m["default"][ch])
                               for ch in m["overridden"])
    m["why"] = "\n".join("- %s: %d" % kv for kv in sorted(m["why"].items()))
    m["dropped"] = "\n".join("- %s: %d" % kv for kv in sorted(m["dropped"].items()))
    m["unicode_notice"] = UNICODE_NOTICE
    text = """# data/pinyin — hanzi → pinyin tables

Generated by `scripts/gen-pinyin.py`; do not edit by hand. Checked by `scripts/check-pinyin.py`.

| file | lines | data lines | bytes |
| --- | ---: | ---: | ---: |
| `chars.tsv` | {c[0]} | {c[1]} | {c[2]} |
| `words.tsv` | {w[0]} | {w[1]} | {w[2]} |

Format: UTF-8, LF, `#` comment lines first, then one `key<TAB>value` per line sorted by
code point. Readings are toneless lowercase ASCII syllables; ü is written `v` (lü → `lv`,
nü → `nv`). `chars.tsv`: `<char>\\t<reading>`, for every character of U+3400–U+4DBF and
U+4E00–U+9FFF that has a reading. `words.tsv`: `<word>\\t<syl> <syl> …` (2–8 characters).
Reading text: take the longest word of `words.tsv` that starts at the current position,
else the character's line in `chars.tsv`.

## Sources

1. **npm `@pinyin-pro/data` {version}** (github.com/chinese-data/pinyin-pro-data), licence
   declared in its `package.json`: **{licence}**. Files used: `json/modern.json`
   ({n_modern} entries: headwords of 《现代汉语词典》7th ed. that are in the jieba word list,
   {n_modern_single} of them single characters), `json/complete.json` ({n_complete}
   entries: the jieba word list with pinyin), `json/traditional.json` (its traditional →
   simplified character table, used only to drop non-simplified words). Format of both word
   files: `{{"word": ["pīn yīn with tone marks", frequency]}}`, one syllable per character.
   The package ships no LICENSE file and no copyright line (its `author` field is empty);
   the ISC licence asks that the copyright notice and the permission notice be kept with
   copies. The permission notice:

   > Permission to use, copy, modify, and/or distribute this software for any purpose with
   > or without fee is hereby granted, provided that the above copyright notice and this
   > permission notice appear in all copies.
   >
   > THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD
   > TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN
   > NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR
   > CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR
   > PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING
   > OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

   Copyright holder: the authors of chinese-data/pinyin-pro-data (none named in the
   package). Upstream builds the word list from jieba's dictionary (MIT) and the headword
   list of 《现代汉语词典》; how the readings were made is not documented (some look
   machine-generated), so expect occasional errors.
2. **Unicode Unihan database, Unicode {uni_version}** (`Unihan_Readings.txt`, dated
   {uni_date}; Debian package `unicode-data`): field `kMandarin`, first value (the zh-Hans
   reading). `Unihan_Variants.txt` (`kSimplifiedVariant`, `kTraditionalVariant`) is used
   only to tell traditional-only characters. Licence: Unicode, Inc. License Agreement — Data
   Files and Software (https://www.unicode.org/license.txt, terms of use
   https://www.unicode.org/terms_of_use.html). Its conditions — the copyright and permission
   notice with the data and in its documentation, and a clear notice that the data was
   modified — are met by this section and by the header comment of each `.tsv` file: both
   tables are **modified data**, derived as described below, not copies of Unihan.

   {uni_copyright}

{unicode_notice}

Inputs (size in bytes, SHA-256):

| file | bytes | sha256 |
| --- | ---: | --- |
{inputs}

## How the tables are derived

**Default reading of a character (`chars.tsv`).** Unihan `kMandarin` (its first value),
unless pinyin-pro-data's two independent signals agree on another reading: the character's
own `modern.json` entry and its frequency-weighted majority reading over every
multi-character word of `complete.json` ∪ `modern.json`. Characters with no `kMandarin`
take pinyin-pro-data's reading. Counts:

{why}

Characters whose default differs from `kMandarin` (kMandarin→default): {overridden}

Why not one source alone (observations on version 1.3.1): `modern.json` has no entry for many common characters (一 不 业
两 …: {n_modern_single} single characters in all), and some of its entries are odd as a
default (伯 bǎi, 簿 bó, 栅 shān); `kMandarin` has some readings that are odd for simplified
text (著 zhe, 佛 fu, 拓 ta, 茄 jia, 卜 bo); the frequency majority alone follows jieba's
noisy frequencies (长 cháng/zhǎng is 50/50, 簿 bó). Requiring two signals to agree before
overriding kMandarin keeps the well-known defaults and fixes the odd ones.

**Words (`words.tsv`).** Entries of `complete.json` ∪ `modern.json` ({n_entries}), kept when:
2–8 characters, all in the two ranges above, and simplified (words in `modern.json` are kept
as they are; other words are dropped when they contain a character that pinyin-pro's
`traditional.json` maps to another character, or that Unihan gives a different
`kSimplifiedVariant` and no `kTraditionalVariant` and that no `modern.json` word uses).
Dropped:

{dropped}

Of the {n_candidates} candidate words, {n_differ} read differently from the concatenated
`chars.tsv` defaults (compared without tones) and are written. A further {n_guards} "guard"
words, whose reading equals the defaults, are also written because a greedy longest-match
reader would otherwise misread them by taking a differing word across their boundary
(e.g. 本行政区域 would read 本行|政|区|域 = ben hang…; 机动车行驶 would read 车行 = che hang);
they are added until no candidate word is misread ({still_wrong} misread now). Text that is
not itself a source word can still be misread by greedy matching.

In 1.3.1, `modern.json` lacks several common polyphone words (行长 长大 重庆 还款 处长 长江 are only in
`complete.json`), which is why `complete.json` is used as well.

## Regenerate

```sh
mkdir -p /tmp/pyd && cd /tmp/pyd && npm install @pinyin-pro/data   # outside the repo
apt-get update && apt-get install -y unicode-data
cd /path/to/repo
{regen}
/usr/bin/python3 scripts/check-pinyin.py
```
""".format(**m)
    with open(os.path.join(out, "SOURCE.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


if __name__ == "__main__":
    main()
