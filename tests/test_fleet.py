"""The fleet recipe (docs/ci.md "Bots and CI", examples/fleet/dockerfix-fleet.sh): the script multi-gitter
and turbolift run in each repository, run here the way they run it over a folder of several git
repositories. (The tools themselves, and the GitHub they open pull requests on, are not run.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, write

SCRIPT = ROOT / "examples" / "fleet" / "dockerfix-fleet.sh"
pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="needs git")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def make_repo(path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        write(path / name, text)
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "init")
    return path


def run_script(repo: Path, out: Path, **env: str) -> subprocess.CompletedProcess:
    # as multi-gitter runs a script: in the checkout's root, REPOSITORY set; as turbolift's
    # `foreach -- sh "$(pwd)/script.sh"`: in work/OWNER/NAME, without it
    # DOCKERFIX_VERIFY=false: the host's container engines are never used by these tests
    full = {**os.environ, "DOCKERFIX": f"{sys.executable} -m fixer", "DOCKERFIX_OUT": str(out),
            "PYTHONPATH": str(ROOT), "DOCKERFIX_VERIFY": "false", **env}
    return subprocess.run(["sh", str(SCRIPT)], cwd=repo, env=full, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("tool", ["multi-gitter", "turbolift"])
def test_fleet_script_over_several_repositories(tmp_path, tool):
    work = tmp_path / "work"
    repos = {
        "acme/api": make_repo(work / "acme" / "api", {"Dockerfile": ROOT_DOCKERFILE,
                                                       "worker/Dockerfile": ROOT_DOCKERFILE,
                                                       "db/Dockerfile": "FROM postgres:16\n"}),
        "acme/ok": make_repo(work / "acme" / "ok", {"Dockerfile": NONROOT_DOCKERFILE}),
        "other/mixed": make_repo(work / "other" / "mixed", {"Dockerfile": ROOT_DOCKERFILE,
                                                             "tpl/Dockerfile": "{% if x %}\nFROM debian\n{% endif %}\n"}),
    }
    out = tmp_path / "out"
    codes = {}
    for name, repo in repos.items():
        env = {"REPOSITORY": name} if tool == "multi-gitter" else {}
        done = run_script(repo, out, DOCKERFIX_ARGS="--numeric-user", **env)
        codes[name] = done.returncode
    assert codes == {"acme/api": 0, "acme/ok": 0, "other/mixed": 2}

    # what the tool commits: exactly what the log said would change
    changed = git(repos["acme/api"], "status", "--porcelain").split()
    assert changed == ["M", "Dockerfile", "M", "worker/Dockerfile"]
    log = json.loads((out / "acme" / "api.json").read_text())
    assert sorted(r["path"] for r in log if r["changed"]) == ["./Dockerfile", "./worker/Dockerfile"]
    written = [ln for ln in git(repos["acme/api"], "diff").splitlines(True)
               if not ln.startswith(("diff --git ", "index "))]
    assert "".join(written) == "".join(r["diff"] for r in sorted(log, key=lambda r: r["path"]) if r["changed"])
    assert "USER 10001:10001" in (repos["acme/api"] / "Dockerfile").read_text()
    body = (out / "acme" / "api.md").read_text()
    assert body.startswith("## Run containers as a non-root user") and "changes 2 Dockerfiles" in body
    assert "`db/Dockerfile`" in body and "(rule `drops-privileges`" in body
    assert body.endswith("**Not proven.** dockerfix did not build or run the images (no container engine, or "
                         "DOCKERFIX_VERIFY=false).\n")

    # nothing to do: no change, so the tool opens no pull request
    assert git(repos["acme/ok"], "status", "--porcelain") == ""
    assert "nothing to change" in (out / "acme" / "ok.md").read_text()

    # a file that cannot be parsed: exit 2 (no pull request), named in the log and the body
    mixed = json.loads((out / "other" / "mixed.json").read_text())
    assert [r["path"] for r in mixed if r["error"]] == ["./tpl/Dockerfile"]
    assert "tpl/Dockerfile:1" in (out / "other" / "mixed.md").read_text()


def test_fleet_script_needs_an_output_folder(tmp_path):
    repo = make_repo(tmp_path / "r", {"Dockerfile": ROOT_DOCKERFILE})
    done = run_script(repo, tmp_path / "out", DOCKERFIX_OUT="")
    assert done.returncode != 0 and "DOCKERFIX_OUT" in done.stderr
    assert git(repo, "status", "--porcelain") == ""
