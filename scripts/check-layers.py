#!/usr/bin/python3
"""Checks that #include lines point down the layers (README, "Layers"); run by `make lint`.

A file in a folder may include headers of its own folder and of folders in lower layers,
never of a higher layer nor of another folder in its own layer. Every folder with C files
must have a layer here, so that a new folder is placed on purpose. tests/ may include
anything. Prints each wrong include as FILE:LINE and exits 1 when there is one.
"""
import pathlib
import re
import sys

# Top to bottom; folders on one line are peers (they do not include each other).
LAYERS = [
    ["cmd"],
    ["handlers"],
    ["api"],
    ["workflow", "push"],
    ["auth", "search", "catalog", "storage"],
    ["db"],
    ["core"],
]
NOT_CHECKED = {"tests", "build", "build-asan"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"')


def main(root):
    rank = {folder: i for i, layer in enumerate(LAYERS) for folder in layer}
    problems = []
    for path in sorted(root.glob("*/**/*.[ch]")):
        folder = path.relative_to(root).parts[0]
        # build output of any flavour (build, build-asan, build-fuzz …) is not source
        if folder in NOT_CHECKED or folder.startswith((".", "build-", "node_modules")):
            continue
        if folder not in rank:
            problems.append(f"{path.relative_to(root)}: folder {folder}/ has no layer in "
                            "scripts/check-layers.py (and the README)")
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or m.group(1) == folder:
                continue
            target = m.group(1)
            if target not in rank:
                problems.append(f"{path.relative_to(root)}:{no}: includes {target}/, which has "
                                "no layer")
            elif rank[target] <= rank[folder]:
                how = "a peer" if rank[target] == rank[folder] else "a higher layer"
                problems.append(f"{path.relative_to(root)}:{no}: {folder}/ includes {target}/, "
                                f"{how} ({line.strip()})")
    for p in problems:
        print(p)
    if problems:
        order = " → ".join(" | ".join(layer) for layer in LAYERS)
        print(f"check-layers: {len(problems)} include(s) against the order {order}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(__file__).resolve().parent.parent))
