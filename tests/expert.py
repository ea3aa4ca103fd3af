"""The expert-labelled set (tests/data/expert-labels.tsv): real Dockerfiles of ../shared/corpus/dev
that an engineer labelled `fix` or `leave` after reading the file and its repository, with the
evidence. Each is run inside a repository folder made from tests/data/expert-contexts/<file>/ (a
few hand-written stand-ins for the files that carry the decision: entrypoint scripts, action.yml,
devcontainer.json, ...) with the corpus Dockerfile at its own path, and dockerfix's outcome is
compared with the label.

`python tests/expert.py` prints the agreement (fix recall, leave precision, per rule) for docs/tests.md.

The corpus is not part of this project (the files are their authors'). Without it next to the
repository, fetch the labelled files themselves: tests/data/expert-sources.tsv names each one's
repository, commit and path, and `--fetch` clones each repository at that commit (a shallow fetch,
as tests/fresh.py does) into DIR/repos and copies the labelled files into DIR, named as in the
corpus, with a MANIFEST.tsv (git and network needed; 103 repositories):

    python tests/expert.py                  # score against ../shared/corpus/dev
    python tests/expert.py --fetch DIR      # fetch the labelled files into DIR, then score against DIR
    python tests/expert.py DIR              # score against DIR again
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
LABELS = DATA / "expert-labels.tsv"
CONTEXTS = DATA / "expert-contexts"
MISSES = DATA / "expert-labels-known-misses.tsv"
SOURCES = DATA / "expert-sources.tsv"
CORPUS = HERE.parent.parent / "shared" / "corpus" / "dev"


@dataclass(frozen=True)
class Label:
    file: str
    outcome: str  # fix | leave
    rule: str  # the leave rule, or "-"
    user: str  # the USER an expert expects for a fix, or "-"
    kind: str  # app | infra
    evidence: str


def labels() -> list[Label]:
    with open(LABELS, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Label(**r) for r in rows]


def known_misses() -> dict[str, str]:
    """file -> why dockerfix still disagrees with the expert (each one a test that xfails strictly)."""
    if not MISSES.exists():
        return {}
    out = {}
    for line in MISSES.read_text().splitlines()[1:]:
        if line.strip():
            file, _, why = line.partition("\t")
            out[file] = why
    return out


def manifest(corpus: Path = CORPUS) -> dict[str, str]:
    """corpus file name -> its path inside its repository."""
    out = {}
    with open(corpus / "MANIFEST.tsv", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out[r["file"]] = r["path"]
    return out


def sources() -> list[dict[str, str]]:
    """Each labelled file's repository, commit and path (file, repo, commit, path)."""
    with open(SOURCES, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def fetch(dest: Path, url: str | None = None) -> list[str]:
    """Fetch each labelled file at its commit: clone its repository into dest/repos/OWNER__NAME
    (tests/fresh.py's fetch), copy the file to dest/FILE and write dest/MANIFEST.tsv, so that
    `expert.py dest` scores against dest. Returns the repositories that could not be fetched."""
    import fresh

    rows = sources()
    wanted = [fresh.Row(r["repo"], r["commit"], r["path"], "-", "-", "-", "-", "-") for r in rows]
    failed = fresh.fetch(dest / "repos", wanted, **({"url": url} if url else {}))
    with open(dest / "MANIFEST.tsv", "w", newline="") as out:
        out.write("file\trepo\tcommit\tpath\n")
        for r in rows:
            if r["repo"] in failed:
                continue
            src = dest / "repos" / r["repo"].replace("/", "__") / r["path"]
            if not src.is_file():
                failed.append(r["repo"])
                continue
            shutil.copyfile(src, dest / r["file"])
            out.write(f"{r['file']}\t{r['repo']}\t{r['commit']}\t{r['path']}\n")
    return sorted(set(failed))


def run(label: Label, paths: dict[str, str], workdir: Path, corpus: Path = CORPUS) -> dict:
    """dockerfix's JSON report for the labelled file inside its hand-made repository folder."""
    repo = workdir / "repo"
    (repo / ".git").mkdir(parents=True)
    ctx = CONTEXTS / label.file
    if ctx.is_dir():
        shutil.copytree(ctx, repo, dirs_exist_ok=True)
    target = repo / paths[label.file]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(corpus / label.file, target)
    p = subprocess.run([sys.executable, "-m", "fixer", "--isolated", "--format", "json", "--check", str(target)],
                       capture_output=True, text=True, cwd=repo, timeout=120)
    return json.loads(p.stdout)[0]


def outcome(report: dict) -> str:
    return "fix" if report["changed"] else "leave"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, nargs="?", default=CORPUS,
                    help="the folder holding the labelled files and MANIFEST.tsv (default: ../shared/corpus/dev)")
    ap.add_argument("--fetch", action="store_true",
                    help="fetch the labelled files at their commits into CORPUS first (git, network)")
    args = ap.parse_args(argv)
    if args.fetch:
        args.corpus.mkdir(parents=True, exist_ok=True)
        failed = fetch(args.corpus)
        if failed:
            print(f"could not fetch {len(failed)} repositories: {', '.join(failed)}", file=sys.stderr)
            return 2
    paths = manifest(args.corpus)
    rows = labels()
    got = {}
    for lab in rows:
        with tempfile.TemporaryDirectory() as d:
            got[lab.file] = run(lab, paths, Path(d), args.corpus)
    fix = [r for r in rows if r.outcome == "fix"]
    leave = [r for r in rows if r.outcome == "leave"]
    fixed = [r for r in rows if outcome(got[r.file]) == "fix"]
    left = [r for r in rows if outcome(got[r.file]) == "leave"]
    tp_fix = sum(1 for r in fix if outcome(got[r.file]) == "fix")
    tp_leave = sum(1 for r in leave if outcome(got[r.file]) == "leave")
    print(f"{len(rows)} labelled files: {len(fix)} fix ({sum(r.kind == 'app' for r in fix)} applications), "
          f"{len(leave)} leave")
    print(f"fix recall {tp_fix}/{len(fix)} = {tp_fix / len(fix):.0%}; fix precision {tp_fix}/{len(fixed)}")
    print(f"leave recall {tp_leave}/{len(leave)} = {tp_leave / len(leave):.0%}; "
          f"leave precision {tp_leave}/{len(left)} = {tp_leave / max(1, len(left)):.0%}")
    same_rule = sum(1 for r in leave if got[r.file]["rule"] == r.rule)
    print(f"left for the expert's own rule: {same_rule}/{len(leave)}")
    for r in rows:
        rep = got[r.file]
        if outcome(rep) != r.outcome:
            print(f"  disagree {r.file}: expert {r.outcome} {r.rule}; dockerfix {outcome(rep)} {rep['rule'] or ''}"
                  f" {rep['skipped'] or rep['user_after'] or rep['error'] or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
