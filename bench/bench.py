#!/usr/bin/env python3
"""dockerfix vs hadolint, side by side in one run, on the same files and the same machine load.

usage: python bench/bench.py [--quick] [--runs N] [--sample N] [--seed N] [--dockerfix CMD]
                             [--hadolint CMD] [--lsp] [--lookup FOLDER] [--strict] FOLDER

FOLDER holds Dockerfiles (as the development corpus does) or folders with one each (`fixtures`).

- sample: a seeded random sample of FOLDER's files (20, seed 1), each copied alone into a folder
  of its own as `Dockerfile`, as an editor or pre-commit sees it; for each file the median CPU
  time (user + system, of the process and its children: an engine look-up counts) of N
  interleaved runs of `dockerfix --check -q`, of `dockerfix --check -q --offline`, of a fix from
  stdin (`dockerfix - --stdin-filename`, as format-on-save runs it) and of `hadolint`; printed:
  the median and the 90th percentile over the files of dockerfix's time as a multiple of
  hadolint's on the same file, and the medians in ms. Look-ups use a cache folder of the bench's
  own (XDG_CACHE_HOME), filled by one warm-up run per file, as an editor's cache is after the
  first save; where no registry can be reached, that run's failed look-up is what the others
  remember;
- bare interpreter: the median wall time of `python -c pass` with dockerfix's interpreter, next
  to dockerfix's median wall time on the sample;
- folder: all Dockerfiles of FOLDER in one command each (dockerfix: its default processes, one
  per CPU; hadolint: one), files per second (wall time, best of 3), after a first run that warms
  a look-up cache of the bench's own, as the sample's is;
- language server (`--lsp`, needs pygls): `dockerfix lsp` driven by pygls's client on the
  sample's median-sized file: the time to the first diagnostics, then the median round trip of a
  didChange to its publishDiagnostics and of a formatting request;
- image lookups (`--lookup FOLDER`: Dockerfiles whose FROM names images of a local registry):
  files per second with an empty lookup cache (cold: XDG_CACHE_HOME is a new folder) and again
  with the cache it filled (warm). Skipped, with a message, when this dockerfix has no registry
  lookups (no --offline option).

Budgets (issue 24): over the sample, the median <= 0.5x hadolint's CPU time and the 90th
percentile <= 1.0x, with and without --offline; folder >= 25x hadolint's files/s; the language
server's round trips < 5 ms. The exit status is 0 whatever the figures (a loaded machine is no
failure) unless --strict; 2 when a tool is missing or dockerfix fails. `--quick` (3 runs, 20
files, the first 120 files for the folder rate) is for CI.

Install dockerfix normally (`pip install .`), not editable: an editable install's import hook
runs on every start (and imports pathlib); bench warns when it finds one.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUICK_RUNS, QUICK_FILES = 3, 120
SAMPLE, SEED = 20, 1


def timed(cmd: list[str], stdin: str | None = None, env: dict | None = None) -> float:
    return measured(cmd, stdin, env)[0]


def measured(cmd: list[str], stdin: str | None = None, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run: user + system time of the process and of the
    children it waited for (an engine process started for a look-up counts), from wait4."""
    with open(stdin or os.devnull, "rb") as f:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, _, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = 0  # reaped above
        return wall, usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def corpus_files(folder: str) -> list[str]:
    """The folder's own files (the corpus: one Dockerfile each), and the Dockerfiles one level down
    (fixtures/<case>/Dockerfile: `bench.py --quick fixtures` needs no corpus)."""
    top = Path(folder)
    files = sorted(str(p) for p in top.iterdir() if p.is_file() and p.suffix not in (".tsv", ".md"))
    return files + sorted(str(p) for p in top.glob("*/Dockerfile") if p.is_file())


def sample_files(files: list[str], n: int, seed: int, into: str) -> dict[str, str]:
    """n files drawn with `seed`, each copied alone into a folder of its own as `Dockerfile`:
    copy -> original."""
    import random

    chosen = random.Random(seed).sample(files, min(n, len(files)))
    out = {}
    for i, src in enumerate(chosen):
        folder = os.path.join(into, f"{i:02d}")
        os.makedirs(folder)
        dst = os.path.join(folder, "Dockerfile")
        shutil.copyfile(src, dst)
        out[dst] = src
    return out


def sample_figures(fix: list[str], lint: list[str], python: str, files: list[str], runs: int,
                   names: dict[str, str]) -> tuple[list[str], bool]:
    """The per-file CPU ratios to hadolint over the sample (see the module docstring)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        env.pop("DOCKERFIX_OFFLINE", None)
        cases = {  # name -> (command for a file, stdin or not)
            "dockerfix": (lambda f: fix + ["--check", "-q", f], False),
            "dockerfix --offline": (lambda f: fix + ["--check", "-q", "--offline", f], False),
            "dockerfix stdin": (lambda f: fix + ["-", "--stdin-filename", f], True),
            "hadolint": (lambda f: lint + [f], False),
        }
        cpu: dict[str, dict[str, list[float]]] = {k: {f: [] for f in files} for k in cases}
        wall: list[float] = []
        for f in files:  # warm the page cache and the look-up cache (an editor's first save)
            for build, stdin in cases.values():
                measured(build(f), f if stdin else None, env)
        bare = []
        for _ in range(runs):  # interleaved, so all see the same machine load
            for f in files:
                for name, (build, stdin) in cases.items():
                    w, c = measured(build(f), f if stdin else None, env)
                    cpu[name][f].append(c)
                    if name == "dockerfix":
                        wall.append(w)
            bare.append(measured([python, "-c", "pass"])[0])
    med = {name: {f: statistics.median(v) for f, v in per.items()} for name, per in cpu.items()}
    lines, ok = [], True
    lint = sorted(med["hadolint"].values())
    lines.append(f"hadolint: CPU time per file, median {statistics.median(lint) * 1000:.1f} ms, "
                 f"90th percentile {percentile(lint, 90) * 1000:.1f} ms")
    for name in ("dockerfix", "dockerfix --offline", "dockerfix stdin"):
        own = sorted(med[name].values())
        m, p90 = statistics.median(own), percentile(own, 90)
        m_x, p90_x = m / statistics.median(lint), p90 / percentile(lint, 90)
        ratios = [med[name][f] / max(med["hadolint"][f], 1e-4) for f in files]
        worst = max(files, key=lambda f: med[name][f])
        budget = name != "dockerfix stdin"
        ok &= not budget or (m_x <= 0.5 and p90_x <= 1.0)
        lines.append(f"{name}: CPU time per file, median {m * 1000:.1f} ms = {m_x:.2f}x hadolint's median, "
                     f"90th percentile {p90 * 1000:.1f} ms = {p90_x:.2f}x hadolint's"
                     + (" (budget <= 0.5x, <= 1.0x)" if budget else "")
                     + f"; file by file: median {statistics.median(ratios):.2f}x, 90th percentile "
                     f"{percentile(ratios, 90):.2f}x; slowest {names[worst]} {med[name][worst] * 1000:.0f} ms")
    lines.append(f"bare interpreter: python -c pass {statistics.median(bare) * 1000:.1f} ms wall, dockerfix "
                 f"{statistics.median(wall) * 1000:.1f} ms wall ({statistics.median(wall) / statistics.median(bare):.2f}x)")
    return lines, ok


def interpreter(tool: str) -> str | None:
    """The Python a console script runs with (its #! line), for the bare-start baseline."""
    path = shutil.which(tool) or tool
    try:
        with open(path, "rb") as f:
            first = f.readline().decode("utf-8", "replace")
    except OSError:
        return None
    return first[2:].strip().split()[0] if first.startswith("#!") and "python" in first else None


def editable(python: str) -> bool:
    probe = "import sys, fixer; print(any('__editable__' in m for m in sys.modules))"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    return out.stdout.strip() == "True"


def has_lookups(fix: list[str]) -> bool:
    out = subprocess.run(fix + ["--help"], capture_output=True, text=True)
    return "--offline" in out.stdout


def lookup_rates(fix: list[str], folder: str) -> str:
    if not has_lookups(fix):
        return "image lookups: skipped (this dockerfix has no registry lookups: no --offline option)"
    files = sorted(str(p) for p in Path(folder).iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        cold = timed(fix + ["--check", "-q"] + files, env=env)
        warm = timed(fix + ["--check", "-q"] + files, env=env)
    return (f"image lookups, {len(files)} files of {folder}: cold {len(files) / cold:.0f} files/s, "
            f"warm {len(files) / warm:.0f} files/s")


def lsp_latency(fix: list[str], path: str, runs: int) -> str:
    """Round trips through `dockerfix lsp` with pygls's client (as tests/test_lsp.py drives it)."""
    import asyncio

    try:
        from lsprotocol import types as t
        from pygls.lsp.client import LanguageClient
    except ImportError:
        return "language server: skipped (pygls is not installed: pip install 'dockerfix[lsp]')"

    async def session() -> str:
        client = LanguageClient("dockerfix-bench", "1")
        published: asyncio.Queue = asyncio.Queue()
        client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda params: published.put_nowait(params))
        text = Path(path).read_text(encoding="utf-8")
        uri = Path(path).resolve().as_uri()
        start = time.perf_counter()
        await client.start_io(*fix, "lsp", "--stdio")
        await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(),
                                                         root_uri=Path(path).resolve().parent.as_uri()))
        client.initialized(t.InitializedParams())
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text)))
        await asyncio.wait_for(published.get(), 30)
        first = time.perf_counter() - start
        change, formatting = [], []
        for i in range(runs):
            edited = text + f"\n# edit {i}\n" if i % 2 == 0 else text  # a new text each time
            t0 = time.perf_counter()
            client.text_document_did_change(t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(uri=uri, version=i + 2),
                [t.TextDocumentContentChangeWholeDocument(text=edited)]))
            await asyncio.wait_for(published.get(), 30)
            change.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await asyncio.wait_for(client.text_document_formatting_async(t.DocumentFormattingParams(
                t.TextDocumentIdentifier(uri=uri), t.FormattingOptions(tab_size=4, insert_spaces=True))), 30)
            formatting.append(time.perf_counter() - t0)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        return (f"language server, {runs} of each: first diagnostics {first * 1000:.0f} ms after start; "
                f"didChange -> publishDiagnostics {statistics.median(change) * 1000:.1f} ms, "
                f"formatting {statistics.median(formatting) * 1000:.1f} ms (medians; budget < 5 ms)")

    return asyncio.run(session())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--runs", type=int, default=None, help=f"interleaved runs per file (default 5; --quick {QUICK_RUNS})")
    ap.add_argument("--sample", type=int, default=SAMPLE, help=f"files in the seeded sample (default {SAMPLE})")
    ap.add_argument("--seed", type=int, default=SEED, help=f"the sample's seed (default {SEED})")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs, folder rate over {QUICK_FILES} files, once")
    ap.add_argument("--dockerfix", default="dockerfix")
    ap.add_argument("--hadolint", default="hadolint")
    ap.add_argument("--lsp", action="store_true", help="also measure the language server's round trips (needs pygls)")
    ap.add_argument("--lookup", metavar="FOLDER", help="also measure image lookups over these Dockerfiles")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a budget is not met")
    a = ap.parse_args()
    runs = a.runs or (QUICK_RUNS if a.quick else 5)
    fix, lint = shlex.split(a.dockerfix), shlex.split(a.hadolint)
    for tool in (fix[0], lint[0]):
        if shutil.which(tool) is None and not os.path.exists(tool):
            print(f"bench: {tool} not found", file=sys.stderr)
            return 2
    python = interpreter(fix[0]) or sys.executable
    if editable(python):
        print(f"bench: warning: {fix[0]} is an editable install: its import hook slows every start", file=sys.stderr)
    files = corpus_files(a.folder)
    if not files:
        print("bench: no files", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        sample = sample_files(files, a.sample, a.seed, tmp)
        # a file dockerfix rejects (exit 2: not a Dockerfile it can keep byte for byte, such as the
        # fixtures of malformed files when the corpus is not beside the repository) is no file to
        # time: another of the folder's, drawn with the same seed, takes its place
        spare = [f for f in files if f not in set(sample.values())]
        import random

        random.Random(a.seed).shuffle(spare)
        for f in list(sample):
            while subprocess.run(fix + ["--check", "-q", "--offline", f], capture_output=True).returncode not in (0, 1):
                if not spare:
                    print(f"bench: {a.dockerfix} --check {f} failed", file=sys.stderr)
                    return 2
                print(f"bench: {sample[f]}: dockerfix rejects it (exit 2); another file takes its place", file=sys.stderr)
                sample[f] = spare.pop()
                shutil.copyfile(sample[f], f)
        print(f"files: {len(files)} in {a.folder}; sample: {len(sample)} (seed {a.seed}), each alone in a folder; "
              f"median of {runs} interleaved runs per file")
        lines, ok = sample_figures(fix, lint, python, list(sample), runs, sample)
        for line in lines:
            print(line)
        one = sorted(sample, key=os.path.getsize)[len(sample) // 2]
        if a.lsp:
            lsp = lsp_latency(fix, one, max(runs, 20))
            print(lsp)

    folder_files = files[:QUICK_FILES] if a.quick else files
    rate = {}
    with tempfile.TemporaryDirectory() as cache:  # the run's own look-up cache, warmed by a first run
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        for name, cmd in (("dockerfix", fix + ["--check", "-q"] + folder_files),
                          ("one process", fix + ["--check", "-q", "--jobs", "1"] + folder_files),
                          ("hadolint", lint + folder_files)):
            timed(cmd, env=env)  # a first run: the page cache, and where no registry answers, its failures
            rate[name] = len(folder_files) / min(timed(cmd, env=env) for _ in range(1 if a.quick else 3))
    print(f"folder, one command, {len(folder_files)} files: dockerfix {rate['dockerfix']:.0f} files/s "
          f"({rate['one process']:.0f} files/s with --jobs 1), hadolint {rate['hadolint']:.0f} files/s: "
          f"{rate['dockerfix'] / rate['hadolint']:.1f}x, {rate['one process'] / rate['hadolint']:.1f}x (budget >= 25x)")
    if a.lookup:
        print(lookup_rates(fix, a.lookup))
    ok &= rate["dockerfix"] >= 25 * rate["hadolint"]
    print("budgets:", "met" if ok else "NOT met")
    return 1 if a.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
