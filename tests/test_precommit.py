"""The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself with `try-repo`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from paths import ROOT

from fixer.cli import is_dockerfile_name
from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, write

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
pytestmark = pytest.mark.skipif(not (os.path.exists(PRE_COMMIT) and shutil.which("git")),
                                reason="needs pre-commit (a test extra) and git")
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hook_file_pattern_matches_what_folder_search_finds():
    names = ["Dockerfile", "Containerfile", "a/b/Dockerfile", "api.Dockerfile", "x.dockerfile", "Dockerfile.dev",
             "Containerfile.prod", "Dockerfile.dockerignore", "x.dockerignore", "README.md", "Dockerfiles/x.txt",
             "notDockerfile", "docker-compose.yml"]
    for hook in HOOKS:
        files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        for n in names:
            hooked = bool(files.search(n)) and not exclude.search(n)
            assert hooked == is_dockerfile_name(n.rsplit("/", 1)[-1]), (hook["id"], n)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", ROOT_DOCKERFILE)
    write(repo / "services" / "api" / "Dockerfile.dev", ROOT_DOCKERFILE)
    write(repo / "ok" / "Dockerfile", NONROOT_DOCKERFILE)
    write(repo / "x.dockerignore", "FROM debian\n")
    write(repo / "vendor" / "Dockerfile", ROOT_DOCKERFILE)
    write(repo / ".dockerfix.toml", 'exclude = ["vendor"]\n')
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env, capture_output=True)
    return repo


def _try(repo: Path, hook: str, home: Path):
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), hook, "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


def test_fixing_hook_fails_then_passes(tmp_path, pre_commit_home):
    repo = _repo(tmp_path)
    first = _try(repo, "dockerfix", pre_commit_home)
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout, first.stdout + first.stderr
    assert "USER appuser" in (repo / "Dockerfile").read_text()
    assert "USER appuser" in (repo / "services" / "api" / "Dockerfile.dev").read_text()
    assert (repo / "vendor" / "Dockerfile").read_text() == ROOT_DOCKERFILE  # excluded by the configuration
    assert (repo / "x.dockerignore").read_text() == "FROM debian\n"
    second = _try(repo, "dockerfix", pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr


def test_check_hook_fails_without_modifying(tmp_path, pre_commit_home):
    repo = _repo(tmp_path)
    res = _try(repo, "dockerfix-check", pre_commit_home)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Dockerfile: would fix: " in res.stdout and "vendor" not in res.stdout
    assert (repo / "Dockerfile").read_text() == ROOT_DOCKERFILE
