"""The fresh labelled set (issue 21): real Dockerfiles from public repositories outside the
development corpus, labelled `fix` or `leave` by engineers who read each repository (and never
ran dockerfix on it), before the rules it scores were written: tests/data/fresh-labels-*.tsv
(repo, commit, path, outcome, rule, user, kind, evidence). Each set is scored once, then it
becomes a tuning set and the next round of rules is measured on a newly labelled one.

The repositories themselves are not in this project (their code is theirs). `--fetch` clones
each at its labelled commit into ROOT (git, network needed); scoring runs dockerfix on each
labelled file inside its real repository, so the repository rules see what a user's run sees.

    python tests/fresh.py --fetch ROOT     # once: ROOT/OWNER__NAME at the labelled commits
    python tests/fresh.py ROOT             # agreement: fix recall, leave precision and recall
    python tests/fresh.py ROOT --set second  # one set (first: a, b; second: c, d; third: e, f; fourth: g, h, i; fifth: j, k, l, m; sixth: n, o, p, q; seventh: r, s, t, u)

Look-ups run offline (DOCKERFIX_OFFLINE=1: the local engine and cache only), so a figure does
not depend on which registries the machine reaches; `--online` lets them ask.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
URL = "https://github.com/{repo}.git"


@dataclass(frozen=True)
class Row:
    repo: str
    commit: str
    path: str
    outcome: str  # fix | leave
    rule: str  # the expert's leave class, or "-"
    user: str  # the user an expert expects for a fix, or "-"
    kind: str  # publisher | tooling | app
    evidence: str

    @property
    def folder(self) -> str:
        return self.repo.replace("/", "__")


# the sets, in the order they were labelled: a and b (session 1; scored, then tuned on), c and d
# (session 2, labelled before that session's rules were merged), e and f (session 3, likewise), g, h
# and i (session 4, likewise), j, k, l and m (session 5, likewise), n, o, p and q (session 5 again:
# labelled while the fifth set, scored once, was tuned on), r, s, t and u (session 5, a third time:
# labelled while the sixth was tuned on)
SETS = {"first": "ab", "second": "cd", "third": "ef", "fourth": "ghi", "fifth": "jklm", "sixth": "nopq",
        "seventh": "rstu"}


def rows(data: Path = DATA, letters: str = "") -> list[Row]:
    out = []
    for f in sorted(data.glob("fresh-labels-*.tsv")):
        if letters and f.stem.rsplit("-", 1)[-1] not in letters:
            continue
        with open(f, newline="") as fh:
            out += [Row(**r) for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return out


def fetch(root: Path, labelled: list[Row], url: str = URL) -> list[str]:
    """Clone each repository at its labelled commit into root/OWNER__NAME (a shallow fetch of
    that commit); an existing folder is left as it is. Returns the repositories that failed."""
    failed = []
    for repo, commit in sorted({(r.repo, r.commit) for r in labelled}):
        dest = root / repo.replace("/", "__")
        if dest.exists():
            continue
        dest.mkdir(parents=True)
        steps = [["git", "init", "-q"], ["git", "remote", "add", "origin", url.format(repo=repo)],
                 ["git", "fetch", "-q", "--depth", "1", "origin", commit], ["git", "checkout", "-q", "FETCH_HEAD"]]
        for step in steps:
            if subprocess.run(step, cwd=dest, capture_output=True).returncode != 0:
                failed.append(repo)
                break
    return failed


def run(root: Path, row: Row, online: bool = False) -> dict:
    """dockerfix's JSON report for the labelled file inside its repository."""
    repo = root / row.folder
    env = {**os.environ, "DOCKERFIX_LOOKUP": "on"}
    if not online:
        env["DOCKERFIX_OFFLINE"] = "1"
    p = subprocess.run([sys.executable, "-m", "fixer", "--isolated", "--format", "json", "--check", row.path],
                       capture_output=True, text=True, cwd=repo, timeout=300, env=env)
    try:
        return json.loads(p.stdout)[0]
    except (ValueError, IndexError):
        return {"changed": False, "rule": None, "error": p.stderr.strip()[-300:] or "no report", "user_after": None,
                "skipped": None}


def outcome(report: dict) -> str:
    return "fix" if report["changed"] else "leave"


def score(labelled: list[Row], got: dict) -> list[str]:
    lines = []
    for title, subset in [("all", labelled)] + [(f"kind {k}", [r for r in labelled if r.kind == k])
                                                 for k in sorted({r.kind for r in labelled})]:
        fix = [r for r in subset if r.outcome == "fix"]
        leave = [r for r in subset if r.outcome == "leave"]
        left = [r for r in subset if outcome(got[r]) == "leave"]
        tp_fix = sum(outcome(got[r]) == "fix" for r in fix)
        tp_leave = sum(outcome(got[r]) == "leave" for r in leave)
        pct = lambda a, b: f"{a}/{b} = {a / b:.0%}" if b else f"{a}/0"  # noqa: E731
        lines.append(f"{title}: {len(subset)} files ({len(fix)} fix, {len(leave)} leave, "
                     f"{len({r.repo for r in subset})} repositories): fix recall {pct(tp_fix, len(fix))}; "
                     f"leave precision {pct(tp_leave, len(left))}; leave recall {pct(tp_leave, len(leave))}")
    named = [r for r in labelled if r.outcome == "fix" and r.user != "-" and outcome(got[r]) == "fix"]
    same = sum(str(got[r].get("user_after")) == r.user or str(got[r].get("user_ids")) == r.user for r in named)
    lines.append(f"fixes switching to the user the expert named: {same}/{len(named)}")
    lines.append("dockerfix's leave rules: " + ", ".join(f"{k} {v}" for k, v in Counter(
        got[r]["rule"] or "error" for r in labelled if outcome(got[r]) == "leave").most_common()))
    for r in labelled:
        rep = got[r]
        if outcome(rep) != r.outcome:
            lines.append(f"  disagree {r.repo} {r.path}: expert {r.outcome} {r.rule}; dockerfix {outcome(rep)} "
                         f"{rep.get('rule') or ''} {rep.get('error') or rep.get('user_after') or ''}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path, help="the folder holding OWNER__NAME checkouts")
    ap.add_argument("--fetch", action="store_true", help="clone the labelled repositories at their commits first")
    ap.add_argument("--online", action="store_true", help="let base-image look-ups ask registries")
    ap.add_argument("--json", type=Path, help="also write each file's report here")
    ap.add_argument("--set", choices=sorted(SETS), help="only this set (first: a, b; second: c, d; third: e, f; fourth: g, h, i; fifth: j, k, l, m; sixth: n, o, p, q; seventh: r, s, t, u); default all")
    a = ap.parse_args(argv)
    labelled = rows(letters=SETS[a.set] if a.set else "")
    if a.fetch:
        failed = fetch(a.root, labelled)
        for repo in failed:
            print(f"fresh: could not fetch {repo}", file=sys.stderr)
        if failed:
            return 1
    missing = sorted({r.repo for r in labelled if not (a.root / r.folder / r.path).is_file()})
    if missing:
        print(f"fresh: {len(missing)} repositories are missing from {a.root} (--fetch): {', '.join(missing)}",
              file=sys.stderr)
        return 2
    got = {r: run(a.root, r, a.online) for r in labelled}
    if a.json:
        a.json.write_text(json.dumps([{**r.__dict__, "report": got[r]} for r in labelled], indent=1))
    print("\n".join(score(labelled, got)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
