"""`dockerfix --write --verify --engine buildah` on small programs in tests/e2e/verify/: each
one's fix is built and started beside the original, and written only when it starts like the
original as a non-root uid. buildah is the suite's own (bases.engine_bin(): its store under
bases.CACHE, never the host's); python3 in the stand-in python image is python3-minimal (no
sqlite3, no http.server), so the programs write their files and serve HTTP by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "verify"
ROOT = Path(__file__).parents[2]


def dockerfix(e2e, folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{e2e.engine_bin()}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "fixer", "--write", "--verify", "--engine", "buildah",
                           "--verify-seconds", "3", *args, "Dockerfile"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def case(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(CASES / name, folder)
    return folder


def gone(e2e, tags) -> bool:
    return all(e2e.buildah("inspect", "--type", "image", t, check=False).returncode != 0 for t in tags)


@pytest.mark.parametrize("name,args,state", [
    ("sqlite-workdir", ["--verify-env", "DB_PATH=app.sqlite"], "exited"),  # writes app.sqlite in /app
    ("uploads-folder", [], "exited"),  # writes below the uploads/ folder the Dockerfile makes
    ("log-file", [], "running"),  # appends to a log in its VOLUME, then runs on
    ("reads-only", [], "exited"),  # only reads a file of the image
])
def test_verified_fix_is_written(e2e, tmp_path, name, args, state):
    folder = case(name, tmp_path)
    original = (folder / "Dockerfile").read_bytes()
    r = dockerfix(e2e, folder, "--format", "json", *args)
    assert r.returncode == 0, r.stderr
    [report] = json.loads(r.stdout)
    v = report["verify"]
    assert v["verdict"] == "verified", v
    assert v["original"]["state"] == v["fixed"]["state"] == state
    if state == "exited":
        assert v["original"]["exit_code"] == v["fixed"]["exit_code"] == 0
    assert v["uid"] == 10001 and v["engine"] == "buildah" and v["error"] is None
    assert set(v["times"]) == {"build_original", "build_fixed", "run_original", "run_fixed", "total"}
    assert report["changed"] and (folder / "Dockerfile").read_bytes() != original
    assert b"USER appuser" in (folder / "Dockerfile").read_bytes()
    assert len(v["built"]) == 2 and gone(e2e, v["built"])


def test_port_server_compared_by_port(e2e, tmp_path):
    """The original answers on its EXPOSEd port: so must the fixed image; the PR body says so."""
    folder = case("port-server", tmp_path)
    r = dockerfix(e2e, folder, "--format", "markdown", "-v")
    assert r.returncode == 0, r.stderr
    assert ("  - [x] built both images; the fixed one starts as 10001 and answers on :18431 like the original "
            "(`dockerfix --verify` with buildah, ") in r.stdout
    assert "dockerfix did not build it" not in r.stdout
    assert b"USER appuser" in (folder / "Dockerfile").read_bytes()


def test_refuted_fix_leaves_the_file_alone(e2e, tmp_path):
    """The program writes into a root-owned folder dockerfix does not know of: the fixed image
    fails where the original worked, so the file is left alone, with the program's error (exit 1)."""
    folder = case("needs-root-folder", tmp_path)
    original = (folder / "Dockerfile").read_bytes()
    r = dockerfix(e2e, folder)
    assert r.returncode == 1, r.stderr
    assert (folder / "Dockerfile").read_bytes() == original
    assert "Dockerfile: left alone [verify-refuted]: --verify: the fixed image exits 1 where the original exits 0" in r.stderr
    assert "PermissionError: [Errno 13] Permission denied: '/var/lib/counter'" in r.stderr
    r = dockerfix(e2e, folder, "--format", "json")
    [report] = json.loads(r.stdout)
    assert report["changed"] is False and report["rule"] == "verify-refuted"
    assert report["verify"]["verdict"] == "refuted" and "PermissionError" in report["verify"]["error"]
    assert gone(e2e, report["verify"]["built"])


def test_original_that_fails_proves_nothing(e2e, tmp_path):
    """Without the variable it needs the original itself exits 1: nothing to compare, an error
    (exit 2) naming --verify-env, and the file is left alone."""
    folder = case("sqlite-workdir", tmp_path)
    original = (folder / "Dockerfile").read_bytes()
    r = dockerfix(e2e, folder)
    assert r.returncode == 2, r.stderr
    assert "Dockerfile: error: --verify: the original exits 1: nothing to compare (--verify-env" in r.stderr
    assert "KeyError: 'DB_PATH'" in r.stderr
    assert (folder / "Dockerfile").read_bytes() == original
