#!/usr/bin/python3
"""Writes the word dictionary of the search's Chinese word segmentation (search/segment.c).

    scripts/gen-jieba-dict.py OUT [DICT]

DICT defaults to the dictionary of Debian's python3-jieba (jieba 0.42.1, MIT/Expat,
Copyright 2012-2017 Sun Junyi; /usr/lib/python3/dist-packages/jieba/dict.txt). OUT gets one
"word<TAB>frequency" line per entry made only of CJK ideographs (the index normalizes
everything else away), in the dictionary's order. Run by the Makefile at build time, so the
repository holds no copy; see data/README.md.
"""
import re
import sys

DEFAULT = "/usr/lib/python3/dist-packages/jieba/dict.txt"
HANZI = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{1,16}$")


def main(out, src=DEFAULT):
    n = 0
    with open(src, encoding="utf-8") as f, open(out + ".tmp", "w", encoding="utf-8") as o:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and HANZI.match(parts[0]) and parts[1].isdigit():
                o.write(f"{parts[0]}\t{parts[1]}\n")
                n += 1
    if n < 100000:
        sys.exit(f"gen-jieba-dict: only {n} words in {src}: not jieba's dictionary?")
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
