"""--verify without an engine: option and engine-selection errors (exit 2, never a traceback),
the port probe, error excerpts, --context for the rules, and how the reports show a result. The
real builds are in tests/e2e/test_verify.py (hence this file's name: pytest imports test modules
by their base name)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from paths import ROOT

from fixer.report import markdown
from fixer.verify import answers, excerpt
from test_cli import ROOT_DOCKERFILE, write


def run(args, cwd, path: str):
    env = {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "fixer", *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("args,message", [
    (["--verify"], "--verify needs docker (with its daemon running), podman or buildah on PATH; none found"),
    (["--verify", "--engine", "podman"], "--engine podman: podman is not on PATH"),
    (["--verify", "--engine", "rkt"], "--engine rkt: expected one of docker, podman, buildah"),
    (["--engine", "buildah"], "--engine, --verify-env, --verify-seconds and --verify-probe need --verify"),
    (["--verify-seconds", "3"], "--engine, --verify-env, --verify-seconds and --verify-probe need --verify"),
    (["--verify-probe", "redis-cli save"], "--engine, --verify-env, --verify-seconds and --verify-probe need --verify"),
    (["--verify", "--verify-probe", " "], "--verify-probe ' ': expected a shell command"),
    (["--verify", "--verify-env", "NO_VALUE"], "--verify-env 'NO_VALUE': expected KEY=VALUE"),
    (["--verify", "--verify-env", "1X=2"], "--verify-env '1X=2': expected KEY=VALUE"),
    (["--verify", "--verify-seconds", "0"], "--verify-seconds must be between 1 and 600"),
    (["--verify", "--context", "missing"], "--context missing: not a folder"),
])
def test_verify_option_errors_exit_2_before_any_file(tmp_path, args, message):
    """No engine on PATH (an empty PATH here), an unknown one, or bad --verify options: one clear
    line, exit 2, nothing printed or written."""
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    empty = tmp_path / "bin"
    empty.mkdir()
    for form in ([*args, "--write", "Dockerfile"], ["--write", *args, "--", "Dockerfile"]):
        code, out, err = run(form, tmp_path, str(empty))
        assert (code, out, err) == (2, "", f"dockerfix: error: {message}\n")
        assert f.read_text() == ROOT_DOCKERFILE


def test_the_first_engine_on_path_is_chosen_and_docker_only_with_its_daemon(tmp_path, monkeypatch):
    from fixer import verify

    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, script in (("docker", "exit 1"), ("buildah", "exit 0")):  # docker: a client without a daemon
        write(bin_ / name, f"#!/bin/sh\n{script}\n").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_))
    assert verify.choose_engine(None) == "buildah"
    write(bin_ / "podman", "#!/bin/sh\nexit 0\n").chmod(0o755)
    assert verify.choose_engine(None) == "podman"
    write(bin_ / "docker", "#!/bin/sh\necho 27.0.1\n").chmod(0o755)
    assert verify.choose_engine(None) == "docker"
    assert verify.choose_engine("buildah") == "buildah"


def _serve(behaviour):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()

    def loop():
        c, _ = s.accept()
        behaviour(c)

    threading.Thread(target=loop, daemon=True).start()
    return s


def test_a_port_answers_when_it_waits_or_speaks_not_when_it_closes_at_once():
    """A server waiting for a request answers; so does one that greets; a connection closed at once
    without a byte (docker's proxy when nothing listens behind it) and a closed port do not."""
    import time

    waits = _serve(lambda c: time.sleep(2))
    greets = _serve(lambda c: c.sendall(b"220 ready\r\n"))
    closes = _serve(lambda c: c.close())
    closed = closes.getsockname()[1]
    try:
        assert answers("127.0.0.1", waits.getsockname()[1])
        assert answers("127.0.0.1", greets.getsockname()[1])
        assert not answers("127.0.0.1", closes.getsockname()[1])
    finally:
        for s in (waits, greets, closes):
            s.close()
    assert not answers("127.0.0.1", closed)


def test_error_excerpt_keeps_the_first_and_last_lines():
    assert excerpt("  a\nb  \n\n") == "  a\nb"
    text = "\n".join(f"line {i}" for i in range(1, 21))
    assert excerpt(text).splitlines() == ["line 1", "line 2", "line 3", "line 4", "[… 10 lines …]",
                                          "line 15", "line 16", "line 17", "line 18", "line 19", "line 20"]


def test_context_is_where_the_rules_read_copied_scripts(tmp_path):
    """A Dockerfile in docker/ built with the repository as its context: its entrypoint script is
    read from --context, so the drops-privileges rule sees the gosu it runs."""
    write(tmp_path / "docker/Dockerfile",
          'FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["app"]\n')
    write(tmp_path / "entrypoint.sh", '#!/bin/sh\nchown -R app /data\nexec gosu app "$@"\n')
    code, out, err = run(["--format", "json", "docker/Dockerfile"], tmp_path, os.environ["PATH"])
    assert code == 0 and json.loads(out)[0]["changed"], err
    code, out, err = run(["--format", "json", "--context", ".", "docker/Dockerfile"], tmp_path, os.environ["PATH"])
    assert code == 0, err
    assert json.loads(out)[0]["rule"] == "drops-privileges"


def _reports(tmp_path):
    write(tmp_path / "app/Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "job/Dockerfile", ROOT_DOCKERFILE)
    code, out, err = run(["--format", "json", "."], tmp_path, os.environ["PATH"])
    assert code == 0, err
    return sorted(json.loads(out), key=lambda r: r["path"])


def test_markdown_ticks_the_build_item_with_what_verify_ran(tmp_path):
    """A verified fix: the checklist item is ticked and says what was built and started; a refuted
    one is listed with those left unchanged, with the fixed image's error."""
    app, job = _reports(tmp_path)
    times = {"build_original": 5.0, "build_fixed": 3.0, "run_original": 1.0, "run_fixed": 1.5, "total": 10.5}
    app["verify"] = {"engine": "podman", "verdict": "verified", "times": times, "error": None,
                     "reason": "built both images; the fixed one starts as 10001 and answers on :8000 like the original"}
    job.update(changed=False, rule="verify-refuted", verify={
        "engine": "podman", "verdict": "refuted", "times": times, "reason": "the fixed image exits 1 where the original exits 0",
        "error": "Traceback (most recent call last):\nPermissionError: [Errno 13] Permission denied: '/var/lib/x'"})
    job["skipped"] = "--verify: " + job["verify"]["reason"]
    body = markdown([app, job], write=True)
    assert ("\n- [x] built both images; the fixed one starts as 10001 and answers on :8000 like the original "
            "(`dockerfix --verify` with podman, 10.5 s)\n") in body
    assert "did not build it" not in body
    left = body.split("<summary>Left unchanged: 1 file</summary>\n")[1]
    assert left.startswith("\n- `job/Dockerfile`: --verify: the fixed image exits 1 where the original exits 0 "
                           "(rule `verify-refuted`)\n\n  ```text\n  Traceback (most recent call last):\n"
                           "  PermissionError: [Errno 13] Permission denied: '/var/lib/x'\n  ```\n")
