"""Reproducing the expert-labelled figure without the corpus: tests/data/expert-sources.tsv names
each labelled file's repository, commit and path, and `python tests/expert.py --fetch DIR` fetches
them (tests/fresh.py's fetch) and scores against DIR. The mechanics run here on a local repository
(file:// URL); the network fetch itself is what a user runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import expert
from gitrepo import two_commits


def test_every_labelled_file_has_its_source_and_the_manifest_agrees():
    rows = expert.sources()
    assert sorted(r["file"] for r in rows) == sorted(lab.file for lab in expert.labels())
    for r in rows:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", r["repo"]), r
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"]), r
        assert r["path"] and not r["path"].startswith("/"), r
    manifest = expert.CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("../shared/corpus/dev is not next to the repository")
    import csv

    with open(manifest, newline="") as f:
        dev = {r["file"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    for r in rows:
        assert (dev[r["file"]]["repo"], dev[r["file"]]["commit"], dev[r["file"]]["path"]) == (
            r["repo"], r["commit"], r["path"]), r


def _repo(tmp_path: Path) -> tuple[str, str]:
    """A local repository whose first commit has a root Dockerfile (svc/) and a non-root one (ok/),
    and whose second makes the first non-root too; returns (its path, the first commit)."""
    root = "FROM debian:bookworm-slim\nRUN apt-get update\nCMD [\"app\"]\n"
    nonroot = "FROM debian:bookworm-slim\nUSER 1000\n"
    first = two_commits(tmp_path / "src", {"svc/Dockerfile": root, "ok/Dockerfile": nonroot},
                        {"svc/Dockerfile": nonroot})
    return str(tmp_path / "src"), first


def test_fetch_copies_each_labelled_file_at_its_commit_and_main_scores_from_there(tmp_path, monkeypatch, capsys):
    src, first = _repo(tmp_path)
    name, ok = "acme__svc__svc__Dockerfile", "acme__svc__ok__Dockerfile"
    sources = tmp_path / "sources.tsv"
    sources.write_text(f"file\trepo\tcommit\tpath\n{name}\tacme/svc\t{first}\tsvc/Dockerfile\n"
                       f"{ok}\tacme/svc\t{first}\tok/Dockerfile\n")
    labels = tmp_path / "labels.tsv"
    labels.write_text(f"file\toutcome\trule\tuser\tkind\tevidence\n{name}\tfix\t-\t-\tapp\ta root service\n"
                      f"{ok}\tleave\talready-non-root\t-\tapp\tUSER 1000\n")
    monkeypatch.setattr(expert, "SOURCES", sources)
    monkeypatch.setattr(expert, "LABELS", labels)
    dest = tmp_path / "corpus"
    dest.mkdir()
    assert expert.fetch(dest, url="file://" + src) == []
    assert "apt-get" in (dest / name).read_text()  # the labelled commit, not the branch's head
    assert expert.manifest(dest) == {name: "svc/Dockerfile", ok: "ok/Dockerfile"}
    assert expert.main([str(dest)]) == 0
    out = capsys.readouterr().out
    assert "2 labelled files: 1 fix (1 applications), 1 leave" in out
    assert "fix recall 1/1 = 100%" in out and "leave precision 1/1 = 100%" in out


def test_a_repository_that_cannot_be_fetched_is_named(tmp_path, monkeypatch):
    sources = tmp_path / "sources.tsv"
    sources.write_text(f"file\trepo\tcommit\tpath\nacme__gone__Dockerfile\tacme/gone\t{'0' * 40}\tDockerfile\n")
    monkeypatch.setattr(expert, "SOURCES", sources)
    dest = tmp_path / "corpus"
    dest.mkdir()
    assert expert.fetch(dest, url="file://" + str(tmp_path / "missing")) == ["acme/gone"]
    assert expert.manifest(dest) == {}
