"""The release procedure (scripts/release.py) makes the tag that the snippets name, and
the pre-commit snippet, copied from docs/ci.md with only the repository URL changed, installs and
runs the hook from that tag of a local clone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

from test_cli import ROOT_DOCKERFILE, write

pytestmark = pytest.mark.skipif(not shutil.which("git") or not (ROOT / ".git").exists(),
                                reason="needs git and a git checkout")
SCRIPT = ROOT / "scripts" / "release.py"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


def release(clone: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--repo", str(clone), *args], env=ENV,
                          capture_output=True, text=True)


@pytest.fixture
def published(tmp_path):
    """A bare `origin` and a clone of it, both made from this checkout's HEAD, with this script."""
    origin, clone = tmp_path / "origin.git", tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--bare", "--no-tags", str(ROOT), str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return origin, clone


def test_release_tags_head_with_the_snippets_tag_and_pushes_it(published):
    origin, clone = published
    readme = (clone / "docs" / "ci.md").read_text()  # the pre-commit snippet
    tag = re.search(r"^\s*rev: (\S+)", readme, re.M).group(1)
    r = release(clone, "--push", "origin")
    assert r.returncode == 0, r.stderr
    assert git(origin, "rev-parse", f"{tag}^{{commit}}") == git(clone, "rev-parse", "HEAD")
    assert git(origin, "cat-file", "-t", tag) == "tag"  # annotated
    assert git(origin, "show", f"{tag}:action.yml")  # the Action's `uses: OWNER/dockerfix@TAG` finds it
    # again: nothing to do; on a new commit the published tag is never moved
    assert release(clone).returncode == 0
    (clone / "x").write_text("x\n")
    git(clone, "add", "x")
    git(clone, "commit", "-qm", "x")
    r = release(clone)
    assert r.returncode == 1 and "never moved" in r.stderr


def test_release_refuses_a_dirty_tree_or_snippets_out_of_step(published):
    _, clone = published
    readme = clone / "docs" / "ci.md"
    readme.write_text(readme.read_text().replace("rev: v", "rev: v9", 1))
    r = release(clone)
    assert r.returncode == 1 and "uncommitted" in r.stderr and "the snippets name" in r.stderr
    assert not git(clone, "tag", "--list")


PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


@pytest.mark.skipif(not os.path.exists(PRE_COMMIT), reason="needs pre-commit (a test extra)")
def test_readme_pre_commit_snippet_works_from_the_tag(published, tmp_path):
    origin, clone = published
    assert release(clone, "--push", "origin").returncode == 0
    snippet = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", (clone / "docs" / "ci.md").read_text(), re.S).group(1)
    repo = tmp_path / "user"
    write(repo / ".pre-commit-config.yaml",
          snippet.replace("https://github.com/OWNER/dockerfix", origin.as_uri()))
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    git(repo.parent, "init", "-q", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    run = subprocess.run([PRE_COMMIT, "run", "--all-files"], cwd=repo, capture_output=True, text=True, timeout=900,
                         env={**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")})
    assert run.returncode == 1 and "files were modified by this hook" in run.stdout, run.stdout + run.stderr
    assert "USER appuser" in (repo / "Dockerfile").read_text()
