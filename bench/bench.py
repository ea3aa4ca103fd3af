#!/usr/bin/env python3
"""dockerfix vs hadolint, side by side in one run, on the same files and the same machine load.

usage: python bench/bench.py [--quick] [--runs N] [--dockerfix CMD] [--hadolint CMD]
                             [--lsp] [--lookup FOLDER] [--strict] FOLDER

FOLDER holds Dockerfiles (as the development corpus does) or folders with one each (`fixtures`).

- single file: median wall time of N interleaved runs of `dockerfix --check -q FILE`,
  `hadolint FILE` and a bare `python -c pass` of dockerfix's own interpreter, on the folder's
  median-sized Dockerfile;
- stdin: the same for a fix from stdin, as an editor's format-on-save runs it
  (`dockerfix - --stdin-filename FILE < FILE` vs `hadolint - < FILE`);
- folder: all Dockerfiles of FOLDER in one process each, files per second (best of 3);
- language server (`--lsp`, needs pygls): `dockerfix lsp` driven by pygls's client on the same
  file: the time to the first diagnostics, then the median round trip of a didChange to its
  publishDiagnostics and of a formatting request;
- image lookups (`--lookup FOLDER`: Dockerfiles whose FROM names images of a local registry):
  files per second with an empty lookup cache (cold: XDG_CACHE_HOME is a new folder) and again
  with the cache it filled (warm). Skipped, with a message, when this dockerfix has no registry
  lookups (no --offline option).

Budgets: single file and stdin <= 0.7x hadolint's time and <= 3x a bare interpreter start
(issue 17); folder >= 3x hadolint's files/s (issue 5). The exit status is 0 whatever the figures
(a loaded machine is no failure) unless --strict; 2 when a tool is missing or dockerfix fails.
`--quick` (5 runs, the first 120 files for the folder rate) takes about 10 s: for CI.

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

QUICK_RUNS, QUICK_FILES = 5, 120


def timed(cmd: list[str], stdin: str | None = None, env: dict | None = None) -> float:
    with open(stdin or os.devnull, "rb") as f:
        t = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        return time.perf_counter() - t


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
    ap.add_argument("--runs", type=int, default=None, help="interleaved runs per single-file figure (default 30; --quick 5)")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs, folder rate over {QUICK_FILES} files, once")
    ap.add_argument("--dockerfix", default="dockerfix")
    ap.add_argument("--hadolint", default="hadolint")
    ap.add_argument("--lsp", action="store_true", help="also measure the language server's round trips (needs pygls)")
    ap.add_argument("--lookup", metavar="FOLDER", help="also measure image lookups over these Dockerfiles")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a budget is not met")
    a = ap.parse_args()
    runs = a.runs or (QUICK_RUNS if a.quick else 30)
    fix, lint = shlex.split(a.dockerfix), shlex.split(a.hadolint)
    for tool in (fix[0], lint[0]):
        if shutil.which(tool) is None and not os.path.exists(tool):
            print(f"bench: {tool} not found", file=sys.stderr)
            return 2
    python = interpreter(fix[0]) or sys.executable
    if editable(python):
        print(f"bench: warning: {fix[0]} is an editable install: its import hook slows every start", file=sys.stderr)
    # the folder's own files (the corpus: one Dockerfile each), and the Dockerfiles one level down
    # (fixtures/<case>/Dockerfile: `bench.py --quick fixtures` needs no corpus)
    top = Path(a.folder)
    files = sorted(str(p) for p in top.iterdir() if p.is_file() and p.suffix not in (".tsv", ".md"))
    files += sorted(str(p) for p in top.glob("*/Dockerfile") if p.is_file())
    if not files:
        print("bench: no files", file=sys.stderr)
        return 2
    one = sorted(files, key=os.path.getsize)[len(files) // 2]
    if subprocess.run(fix + ["--check", "-q", one], capture_output=True).returncode not in (0, 1):
        print(f"bench: {a.dockerfix} --check {one} failed", file=sys.stderr)
        return 2

    cases = {  # name -> (command, stdin)
        "dockerfix": (fix + ["--check", "-q", one], None),
        "hadolint": (lint + [one], None),
        "dockerfix stdin": (fix + ["-", "--stdin-filename", one], one),
        "hadolint stdin": (lint + ["-"], one),
        "python": ([python, "-c", "pass"], None),
    }
    for cmd, stdin in cases.values():  # warm the page cache
        timed(cmd, stdin)
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):  # interleaved, so all see the same machine load
        for name, (cmd, stdin) in cases.items():
            times[name].append(timed(cmd, stdin))
    med = {k: statistics.median(v) for k, v in times.items()}

    folder_files = files[:QUICK_FILES] if a.quick else files
    rate = {}
    for name, cmd in (("dockerfix", fix + ["--check", "-q"] + folder_files), ("hadolint", lint + folder_files)):
        rate[name] = len(folder_files) / min(timed(cmd) for _ in range(1 if a.quick else 3))

    ms = {k: v * 1000 for k, v in med.items()}
    single, stdin_ratio = med["dockerfix"] / med["hadolint"], med["dockerfix stdin"] / med["hadolint stdin"]
    vs_python = {k: med[k] / med["python"] for k in ("dockerfix", "dockerfix stdin")}
    print(f"files: {len(files)} in {a.folder}; single file: {one} ({os.path.getsize(one)} bytes); "
          f"median of {runs} interleaved runs")
    print(f"single file: dockerfix --check {ms['dockerfix']:.1f} ms, hadolint {ms['hadolint']:.1f} ms: "
          f"{single:.2f}x hadolint (budget <= 0.7x), {vs_python['dockerfix']:.2f}x bare python "
          f"{ms['python']:.1f} ms (budget <= 3x)")
    print(f"stdin: dockerfix - {ms['dockerfix stdin']:.1f} ms, hadolint - {ms['hadolint stdin']:.1f} ms: "
          f"{stdin_ratio:.2f}x hadolint (budget <= 0.7x), {vs_python['dockerfix stdin']:.2f}x bare python (budget <= 3x)")
    print(f"folder, one process, {len(folder_files)} files: dockerfix {rate['dockerfix']:.0f} files/s, "
          f"hadolint {rate['hadolint']:.0f} files/s: {rate['dockerfix'] / rate['hadolint']:.1f}x (budget >= 3x)")
    if a.lsp:
        print(lsp_latency(fix, one, max(runs, 20)))
    if a.lookup:
        print(lookup_rates(fix, a.lookup))
    ok = (single <= 0.7 and stdin_ratio <= 0.7 and max(vs_python.values()) <= 3
          and rate["dockerfix"] >= 3 * rate["hadolint"])
    print("budgets:", "met" if ok else "NOT met")
    return 1 if a.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
