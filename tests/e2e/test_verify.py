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
    assert ("\n- [x] built both images; the fixed one starts as 10001 and answers on :18431 like the original "
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
    assert ("Dockerfile: left alone [verify-refuted]: --verify: the fixed image exits 1 where the original exits 0; "
            "the original writes /var/lib/counter/n, and its folder /var/lib ") in r.stderr
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


# --- what the program writes (issue 22) ------------------------------------------------------------


def report_of(r: subprocess.CompletedProcess) -> dict:
    assert r.returncode == 0, r.stderr
    [report] = json.loads(r.stdout)
    return report


def test_readme_example_saves_as_the_packages_redis_user(e2e, tmp_path):
    """The README's example (Ubuntu + redis-server from apt): USER redis, WORKDIR /var/lib/redis.
    --verify stores a key and saves (a probe inside the running container), stops Redis with
    SIGTERM, and sees the fixed image write its dump where the original did (in its working
    folder); then the written image keeps the key across a restart."""
    folder = case("readme-redis", tmp_path)
    assert (folder / "Dockerfile").read_bytes() == (ROOT / "examples" / "Dockerfile").read_bytes()
    report = report_of(dockerfix(e2e, folder, "--format", "json",
                                 "--verify-probe", "redis-cli set k v && redis-cli save"))
    v = report["verify"]
    assert v["verdict"] == "verified", v
    assert v["writes"]["original"] == ["/dump.rdb"] and v["writes"]["fixed"] == ["/var/lib/redis/dump.rdb"]
    assert v["writes"]["learnt"] == [] and v["writes"]["probes"] == ["redis-cli set k v && redis-cli save"]
    assert "writes /var/lib/redis/dump.rdb (the original: /dump.rdb, in its working folder /)" in v["reason"]
    text = (folder / "Dockerfile").read_text()
    assert "USER redis\nWORKDIR /var/lib/redis\n" in text and "appuser" not in text
    # the fixed image, as it runs: store, save, stop; start again: the key is still there
    tag = "localhost/dockerfix-e2e/readme-redis:fixed"
    e2e.build(folder, folder / "Dockerfile", tag)
    try:
        start = "redis-server --port 0 --unixsocket /tmp/r.sock --daemonize yes && sleep 1"
        first, second = e2e.run_many(tag, [
            ["sh", "-c", f"{start} && redis-cli -s /tmp/r.sock set k v && redis-cli -s /tmp/r.sock save "
                         "&& redis-cli -s /tmp/r.sock shutdown; id -un; pwd"],
            ["sh", "-c", f"{start} && redis-cli -s /tmp/r.sock get k && redis-cli -s /tmp/r.sock shutdown nosave"],
        ])
    finally:
        e2e.remove_image(tag)
    assert first.returncode == 0 and "OK\nOK\n" in first.stdout, first.stdout + first.stderr
    assert "redis\n/var/lib/redis\n" in first.stdout
    assert second.stdout.splitlines()[0] == "v", second.stdout + second.stderr


@pytest.mark.parametrize("name,learnt,written,line,args", [
    # a RUN made app.db with python -c (no file name dockerfix can read): the app appends to it
    ("sqlite-built-at-build-time", ["/app/app.db"], ["/app/app.db"], "chown 10001:10001 /app /app/app.db", ()),
    # no WORKDIR: the tool writes report.txt into /, never handed over: a working folder of its own
    ("cli-output-no-workdir", ["WORKDIR /home/appuser"], ["/home/appuser/report.txt"], "WORKDIR /home/appuser", ()),
    # the entrypoint rewrites its copied configuration with sed -i (a new file in conf/): the
    # rewrites-root-config rule leaves such a file alone (without --verify nothing shows the fix
    # works); forced past it, --verify learns the folder and proves the fix that hands it over
    ("entrypoint-rewrites-config", ["/opt/app/conf"], ["/opt/app/conf/app.conf"],
     "chown 10001:10001 /opt/app /opt/app/conf", ("--force", "rewrites-root-config")),
])
def test_verify_learns_what_the_original_writes_and_hands_it_over(e2e, tmp_path, name, learnt, written, line, args):
    """The first fix does not let the program write what it wrote as root (Permission denied):
    --verify hands the original's write set to the user, builds and runs the fix again, and
    writes that fix, with the learnt paths in the JSON report."""
    folder = case(name, tmp_path)
    report = report_of(dockerfix(e2e, folder, "--format", "json", *args))
    v = report["verify"]
    assert v["verdict"] == "verified", v
    assert v["writes"]["learnt"] == learnt, v["writes"]
    assert v["writes"]["fixed"] == written, v["writes"]
    assert v["writes"]["original"], v["writes"]
    assert "learnt from the original's run" in v["reason"]
    assert set(v["times"]) >= {"build_learnt", "run_learnt"}
    text = (folder / "Dockerfile").read_text()
    assert line in text, text
    assert any(r.startswith("--verify: the original writes ") for r in report["reasons"])
    assert report["diff"] and line in report["diff"]
    assert len(v["built"]) == 3 and gone(e2e, v["built"])


def test_a_fix_that_breaks_a_write_is_refuted_with_the_path(e2e, tmp_path):
    """The program writes /var/lib/visits and goes on (exit 0) when it cannot: the fixed image
    starts like the original, but does not write that path, and /var/lib is a system folder that
    is never handed over: refuted, naming the path, and the file is left alone."""
    folder = case("writes-system-folder", tmp_path)
    original = (folder / "Dockerfile").read_bytes()
    r = dockerfix(e2e, folder, "--format", "json")
    assert r.returncode == 1, r.stderr
    [report] = json.loads(r.stdout)
    v = report["verify"]
    assert v["verdict"] == "refuted" and report["rule"] == "verify-refuted"
    assert v["writes"]["original"] == ["/var/lib/visits"] and v["writes"]["fixed"] == []
    assert v["reason"].startswith("the fixed image does not write /var/lib/visits, which the original writes; "
                                  "the original writes /var/lib/visits, and its folder /var/lib is"), v["reason"]
    assert "Permission denied" in v["error"]
    assert (folder / "Dockerfile").read_bytes() == original
