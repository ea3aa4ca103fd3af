"""The fresh labelled set (tests/fresh.py): well-formed, outside the development corpus and the
reserved repositories, and the scoring script's fetch and scoring on a real local repository.
The agreement figure itself is not asserted here: the set is scored once, never tuned on."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

import fresh
from gitrepo import two_commits

ROWS = fresh.rows()
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
KINDS = {"publisher", "tooling", "app"}
CLASSES = {"already-non-root", "publishes-base-image", "generated-file", "tool-on-checkout", "build-only",
           "deployment-needs-root", "drops-privileges", "starts-as-root", "devcontainer", "github-action",
           "windows", "user-root-on-purpose"}


def test_the_set_is_large_and_well_formed():
    assert len(ROWS) >= 120
    assert len({r.repo for r in ROWS}) >= 40
    assert len({(r.repo, r.path) for r in ROWS}) == len(ROWS)
    for r in ROWS:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", r.repo), r
        assert re.fullmatch(r"[0-9a-f]{40}", r.commit), r
        assert r.outcome in ("fix", "leave"), r
        assert (r.rule == "-") == (r.outcome == "fix"), r
        assert r.outcome == "fix" or r.rule in CLASSES or r.rule.startswith("other:"), r
        assert r.kind in KINDS, r
        assert r.evidence.strip(), r
    assert len({r.commit for r in ROWS if r.repo == ROWS[0].repo}) == 1  # one commit per repository
    # about half from image-publishing and tooling repositories, half applications
    apps = sum(r.kind == "app" for r in ROWS)
    assert 0.3 <= apps / len(ROWS) <= 0.7


def test_no_repository_of_the_development_corpus_or_the_reserved_list():
    manifest = SHARED / "corpus" / "dev" / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("../shared/corpus/dev is not next to the repository")
    with open(manifest, newline="") as f:
        dev = {r["repo"].lower() for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    assert not dev & {r.repo.lower() for r in ROWS}
    tool = SHARED / "tools" / "reserved"
    repos = sorted({r.repo for r in ROWS})
    done = subprocess.run(["bash", str(tool), *repos], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def _bare(tmp_path: Path) -> tuple[str, str]:
    """A local repository with two commits; returns (its path, the first commit)."""
    first = two_commits(tmp_path / "src", {"app/Dockerfile": "FROM debian:bookworm-slim\nRUN apt-get update\nCMD [\"app\"]\n"},
                        {"app/Dockerfile": "FROM debian:bookworm-slim\nUSER 1000\n"})
    return str(tmp_path / "src"), first


def test_fetch_checks_out_the_labelled_commit_and_scoring_runs_dockerfix_there(tmp_path):
    src, first = _bare(tmp_path)
    row = fresh.Row("acme/app", first, "app/Dockerfile", "fix", "-", "-", "app", "test")
    root = tmp_path / "root"
    assert fresh.fetch(root, [row], url="file://" + src) == []
    assert "apt-get" in (root / "acme__app" / "app" / "Dockerfile").read_text()  # the labelled commit, not HEAD
    got = {row: fresh.run(root, row)}
    assert got[row]["changed"] is True
    lines = fresh.score([row], got)
    assert lines[0].startswith("all: 1 files (1 fix, 0 leave, 1 repositories): fix recall 1/1 = 100%")
    # a repository that cannot be fetched is named
    bad = fresh.Row("acme/gone", first, "x", "fix", "-", "-", "app", "test")
    assert fresh.fetch(root, [bad], url="file://" + str(tmp_path / "nowhere")) == ["acme/gone"]


def test_disagreements_are_listed_with_both_sides():
    fix = fresh.Row("a/b", "0" * 40, "Dockerfile", "fix", "-", "node", "app", "e")
    leave = fresh.Row("a/c", "0" * 40, "Dockerfile", "leave", "tool-on-checkout", "-", "tooling", "e")
    got = {fix: {"changed": False, "rule": "base-image", "error": None, "user_after": None},
           leave: {"changed": True, "rule": None, "error": None, "user_after": "appuser"}}
    text = "\n".join(fresh.score([fix, leave], got))
    assert "fix recall 0/1 = 0%" in text and "leave recall 0/1 = 0%" in text
    assert "disagree a/b Dockerfile: expert fix -; dockerfix leave base-image" in text
    assert "disagree a/c Dockerfile: expert leave tool-on-checkout; dockerfix fix  appuser" in text
