"""Instructions per file, dockerfix against hadolint: the bench's sample counted with valgrind.

    python bench/instructions.py [--dockerfix CMD] [--hadolint CMD] [--sample 20] [--seed 1] FOLDER

CPU time moves with the machine's load; the number of instructions a run executes does not, so
this is the figure to compare two versions of dockerfix with (docs/speed.md). Each file of the
bench's seeded sample (the same files as `bench.py`, each alone in a folder) is run once to warm
the look-up cache, then counted under `valgrind --tool=callgrind` (slow: ~3 s a run); printed: per
file the two counts and their ratio, then the medians and 90th percentiles. Needs valgrind; the
interpreter alone and with `re` and `json` are counted too, the floor no Python program goes
below: the interpreter dockerfix's command runs (its script's `#!` line; `--python` to choose),
with its own site-packages (an interpreter whose site-packages hold heavy .pth files counts
several times the floor).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402 (the sample is the bench's)


def instructions(cmd: list[str], cwd: str, env: dict) -> float:
    """Millions of instructions `cmd` executes (its own process; valgrind follows no child)."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], cwd=cwd,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    m = re.search(r"Collected : (\d+)", out)
    if not m:
        raise RuntimeError(f"valgrind printed no count for {cmd}: {out[-300:]}")
    return int(m.group(1)) / 1e6


def interpreter(cmd: list[str]) -> str:
    """The Python that runs `cmd` (a console script's `#!` line), else this one."""
    path = shutil.which(cmd[0]) or cmd[0]
    try:
        with open(path, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace")
    except OSError:
        return sys.executable
    words = first[2:].split() if first.startswith("#!") else []
    return words[0] if len(words) == 1 and "python" in os.path.basename(words[0]) else sys.executable


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--dockerfix", default="dockerfix")
    ap.add_argument("--hadolint", default="hadolint")
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", help="the interpreter whose floor is counted (default: dockerfix's)")
    a = ap.parse_args(argv)
    fix, lint = shlex.split(a.dockerfix), shlex.split(a.hadolint)
    files = bench.corpus_files(a.folder)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        python = [a.python or interpreter(fix)]
        floor = {"python -c pass": instructions(python + ["-c", "pass"], tmp, env),
                 "python -c 'import re, json'": instructions(python + ["-c", "import re, json"], tmp, env)}
        ratios, mine, theirs = [], [], []
        for copy, original in bench.sample_files(files, a.sample, a.seed, tmp).items():
            folder = os.path.dirname(copy)
            subprocess.run(fix + ["--check", "--offline", "Dockerfile"], cwd=folder, env=env, capture_output=True)
            d = instructions(fix + ["--check", "--offline", "Dockerfile"], folder, env)
            h = instructions(lint + ["Dockerfile"], folder, env)
            mine.append(d)
            theirs.append(h)
            ratios.append(d / h)
            print(f"{os.path.basename(original)}: dockerfix {d:.1f} M, hadolint {h:.1f} M, {d / h:.2f}x")
    med = statistics.median(theirs)
    print(f"median: dockerfix {statistics.median(mine):.1f} M, hadolint {med:.1f} M; per-file ratio median "
          f"{statistics.median(ratios):.2f}x")
    print(f"90th percentile: dockerfix {bench.percentile(mine, 90):.1f} M, hadolint {bench.percentile(theirs, 90):.1f} M; "
          f"per-file ratio {bench.percentile(ratios, 90):.2f}x")
    print(f"floor counted with {python[0]}")
    for name, n in floor.items():
        print(f"{name}: {n:.1f} M = {n / med:.2f}x hadolint's median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
