"""The default output is a patch that `git apply` takes at the repository root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, run_dockerfix, write

pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="needs git")

FILES = {
    "Dockerfile": ROOT_DOCKERFILE,
    "svc/api/Dockerfile": ROOT_DOCKERFILE.replace("\n", "\r\n"),
    "svc/bom.Dockerfile": "\ufeff" + ROOT_DOCKERFILE,
    "svc/web/Containerfile": "FROM alpine:3.20\nRUN apk add --no-cache curl",  # no final newline
    "tools/Dockerfile.heredoc": "# syntax=docker/dockerfile:1\nFROM debian:bookworm-slim\nRUN <<EOF\n"
                                "apt-get update\napt-get install -y curl\nEOF\n\nCMD [\"curl\"]\n",
    "docs/Dockerfile": "# caf\u00e9 \U0001f433 ünïcödé\nFROM ubuntu:24.04\nRUN apt-get update\n",
    "ok/Dockerfile": NONROOT_DOCKERFILE,
}


def git(args, cwd, **kw):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, **kw)


def make_repo(root: Path) -> Path:
    for name, text in FILES.items():
        write(root / name, text.encode("utf-8"))
    git(["init", "-q"], root, check=True)
    return root


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and ".git" not in p.parts}


def test_git_apply_at_repo_root_equals_write(tmp_path):
    repo = make_repo(tmp_path / "repo")
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    code, patch, err = run_dockerfix(["."], repo)
    assert code == 0 and patch.count(b"+++ b/") == 6  # every file but ok/Dockerfile
    assert git(["apply", "--check", "-"], repo, input=patch).returncode == 0
    assert git(["apply", "-"], repo, input=patch).returncode == 0
    assert run_dockerfix(["--write", "."], copy)[0] == 0
    assert snapshot(repo) == snapshot(copy)
    assert run_dockerfix(["--check", "."], repo)[0] == 0  # applied: nothing left to do


@pytest.mark.parametrize("spelling", ["dot-slash", "absolute"])
def test_git_apply_with_other_path_spellings(tmp_path, spelling):
    repo = make_repo(tmp_path / "repo")
    names = ["svc/api/Dockerfile", "svc/web/Containerfile", "docs/Dockerfile"]
    args = ["./" + n for n in names] if spelling == "dot-slash" else [repo / n for n in names]
    code, patch, _ = run_dockerfix(args, repo)
    assert code == 0
    for n in names:
        assert f"--- a/{n}\n+++ b/{n}\n".encode() in patch
    assert git(["apply", "-"], repo, input=patch).returncode == 0
    assert run_dockerfix(["--check", *names], repo)[0] == 0


def test_check_exit_codes_for_ci(tmp_path):
    repo = make_repo(tmp_path / "repo")
    code, out, err = run_dockerfix(["--check", "."], repo)
    assert code == 1 and out == b"" and b"./Dockerfile: would fix: " in err
    assert run_dockerfix(["--write", "."], repo)[0] == 0
    assert run_dockerfix(["--check", "."], repo)[0] == 0
    write(repo / "broken" / "Dockerfile", "FROM debian\nRUN <<EOF\nnever closed\n")
    code, out, err = run_dockerfix(["--check", "."], repo)
    assert code == 2 and b"./broken/Dockerfile:2:" in err


# names git quotes in patch headers (C-style, core.quotePath: bytes >= 0x80 as octal), and one with a
# space (git ends that header with a tab); a name that is not UTF-8 too, where the file system allows it
ODD_NAMES = ["ta\tb.Dockerfile", "new\nline/Dockerfile", 'quo"te/Dockerfile', "back\\slash.Dockerfile",
             "caf\u00e9/Dockerfile", "sp ace/Dockerfile", "Dockerfile.\U0001f433", os.fsdecode(b"latin\xe9.Dockerfile")]


def _headers(patch: bytes) -> list[bytes]:
    return sorted(line for line in patch.split(b"\n") if line.startswith((b"--- ", b"+++ ")))


def test_git_apply_takes_names_that_git_quotes(tmp_path):
    repo = tmp_path / "repo"
    for name in ODD_NAMES:
        write(repo / name, ROOT_DOCKERFILE)
    git(["init", "-q"], repo, check=True)
    git(["add", "-A"], repo, check=True)
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    code, patch, err = run_dockerfix(["."], repo)
    assert code == 0 and patch.count(b"\n+++ ") == len(ODD_NAMES), err
    applied = git(["apply", "-"], repo, input=patch)
    assert applied.returncode == 0, applied.stderr
    # the headers are byte for byte the ones git writes for the same change
    assert _headers(patch) == _headers(git(["-c", "core.quotePath=true", "diff"], repo).stdout)
    assert run_dockerfix(["--write", "."], copy)[0] == 0
    assert snapshot(repo) == snapshot(copy)


BOTH = ["Dockerfile", "svc/real/Dockerfile"]


@pytest.mark.parametrize(
    "args,kept",
    [(["."], BOTH), (["Dockerfile", "./Dockerfile"], ["Dockerfile"]), ([".", "Dockerfile"], BOTH),
     (["Dockerfile", "Dockerfile.prod", "."], BOTH), (["svc"], ["svc/real/Dockerfile"])],
    ids=["folder-with-links", "two-spellings", "folder-and-a-file-in-it", "file-link-folder", "link-found-first"],
)
def test_a_file_reached_by_two_names_gets_one_patch(args, kept, tmp_path):
    """One patch and one write per real file: git apply rejects a diff that patches a file twice."""
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    (repo / "Dockerfile.prod").symlink_to("Dockerfile")
    write(repo / "svc" / "real" / "Dockerfile", ROOT_DOCKERFILE)
    (repo / "svc" / "Dockerfile").symlink_to("real/Dockerfile")  # found first, but the file itself is kept
    git(["init", "-q"], repo, check=True)
    git(["add", "-A"], repo, check=True)
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    code, patch, err = run_dockerfix(args, repo)
    assert code == 0 and _headers(patch) == sorted(f"{p}/{n}".encode() for n in kept for p in ("--- a", "+++ b"))
    applied = git(["apply", "-"], repo, input=patch)
    assert applied.returncode == 0, applied.stderr
    code, _, err = run_dockerfix(["--write", *args], copy)
    assert code == 0 and err.count(b": fixed: ") == len(kept), err
    assert snapshot(repo) == snapshot(copy)
    assert os.readlink(copy / "Dockerfile.prod") == "Dockerfile" and os.readlink(copy / "svc" / "Dockerfile") == "real/Dockerfile"
