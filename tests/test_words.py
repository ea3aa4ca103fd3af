"""What a user reads (issue 23): facts in words, one line per left file, one error style.

Reasons never show dockerfix's internals (the knowledge file's patterns, Python reprs); a file
left alone says so on stderr with its rule, unlike a file with nothing to do; every bad option
or argument is `dockerfix: error: WHAT` (+ `  hint: ...`), exit 2; stdin says what it printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixer import pipeline

LEAKS = re.compile(r"\*:|\|\*|\*\||-family|\bNone\b|\(\*|\w\*\w|\[[0-9]-[0-9]\]")


def reasons_of(text: str, **kw) -> list[str]:
    res = pipeline.fix(text.encode())
    return [*res.reasons, *(res.warnings), *([res.skipped] if res.skipped else [])]


@pytest.mark.parametrize("text", [
    "FROM python:3.14-slim\nRUN pip install flask\n",
    "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD [\"app.exe\"]\n",
    "FROM python:3.13-windowsservercore\nCMD [\"app.exe\"]\n",
    "ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y curl\n",
    "FROM nvidia/cuda:12.4.0-base-ubuntu22.04\nRUN apt-get update && apt-get install -y curl\n",
    "FROM alpine:3.20\nRUN apk add curl\n",
    "FROM gcr.io/distroless/static\nCOPY app /app\nCMD [\"/app\"]\n",
])
def test_reasons_are_words_not_patterns(text):
    for r in reasons_of(text):
        assert not LEAKS.search(r), r


def test_an_unknown_base_is_not_said_to_lack_useradd():
    """A base dockerfix does not know is not claimed to have no shadow-utils, nor named None."""
    rs = reasons_of("ARG BASE\nFROM ${BASE}\nRUN apt-get update && apt-get install -y curl\n")
    assert any("without useradd (dockerfix does not know that the base image has it)" in r for r in rs), rs
    rs = reasons_of("FROM nvidia/cuda:12.4.0-base-ubuntu22.04\nRUN apt-get install -y curl\n")
    assert any("dockerfix does not know that nvidia/cuda:12.4.0-base-ubuntu22.04 has it" in r for r in rs), rs


def test_package_manager_family_in_words():
    rs = reasons_of("ARG BASE\nFROM ${BASE}\nRUN apk add curl\n")
    assert "line 3: its package manager makes this an Alpine-based image" in rs, rs


# --- the text format: one line per fixed or left file --------------------------------------

NGINX = "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n"
NONROOT = "FROM debian:bookworm-slim\nUSER nobody\n"
ROOT = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCMD [\"curl\"]\n"


def put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_left_file_says_so_by_default(tmp_path, cli):
    f = put(tmp_path / "nginx" / "Dockerfile", NGINX)
    code, out, err = cli(["--isolated", "--offline", f])
    assert code == 0 and out == ""
    line, = err.splitlines()
    assert line.startswith(f"{f}: left alone [starts-as-root]: base image nginx:1.27 runs nginx")
    assert "nginxinc/nginx-unprivileged" in line  # the alternative
    assert cli(["--isolated", "--offline", "-q", f]) == (0, "", "")


def test_nothing_to_do_reads_differently_and_only_with_v(tmp_path, cli):
    f = put(tmp_path / "Dockerfile", NONROOT)
    assert cli(["--isolated", "--offline", f]) == (0, "", "")
    code, out, err = cli(["--isolated", "--offline", "-v", f])
    assert f"{f}: nothing to do [already-non-root]: the final stage already runs as nobody" in err
    assert "left alone" not in err


def test_folder_run_lists_every_left_file_and_counts_per_rule(tmp_path, cli):
    put(tmp_path / "a" / "Dockerfile", NGINX)
    put(tmp_path / "b" / "Dockerfile", NGINX)
    put(tmp_path / "c" / "Dockerfile", NONROOT)
    put(tmp_path / "d" / "Dockerfile", ROOT)
    put(tmp_path / "e" / "Dockerfile", "# dockerfix: ignore -- runs as root on purpose\nFROM debian\n")
    code, out, err = cli(["--isolated", "--offline", tmp_path])
    lines = err.splitlines()
    left = [x for x in lines if ": left alone [" in x]
    assert sorted(x.split(":")[0] for x in left) == [str(tmp_path / n / "Dockerfile") for n in "abe"], err
    assert any(x.startswith(f"{tmp_path / 'd' / 'Dockerfile'}: would fix: USER appuser after line 2 (Debian)")
               for x in lines), err
    assert lines[-1] == ("1 file would be fixed, 3 files left alone (starts-as-root: 2, ignored: 1), "
                         "1 file already non-root."), err
    assert "nothing to do" not in err  # listed with -v only


def test_write_and_check_wording(tmp_path, cli):
    f = put(tmp_path / "Dockerfile", ROOT)
    code, out, err = cli(["--isolated", "--offline", "--check", f])
    assert code == 1 and err == f"{f}: would fix: USER appuser after line 2 (Debian)\n"
    code, out, err = cli(["--isolated", "--offline", "--write", f])
    assert code == 0 and err == f"{f}: fixed: USER appuser after line 2 (Debian)\n"


def test_stdin_says_what_it_printed(tmp_path, cli):
    code, out, err = cli(["--isolated", "--offline", "-"], input=ROOT)
    assert code == 0 and "USER appuser" in out
    assert err == "-: fixed (printed to stdout): USER appuser after line 2 (Debian)\n"
    code, out, err = cli(["--isolated", "--offline", "--stdin-filename", "app/Dockerfile", "-"], input=ROOT)
    assert err == "app/Dockerfile: fixed (printed to stdout): USER appuser after line 2 (Debian)\n"
    code, out, err = cli(["--isolated", "--offline", "--check", "-"], input=ROOT)
    assert code == 1 and err == "-: would fix: USER appuser after line 2 (Debian)\n" and out == ""
    code, out, err = cli(["--isolated", "--offline", "-"], input=NGINX)
    assert out == NGINX and err.startswith("-: left alone [starts-as-root]: ")


# --- one error style -------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--format", "yaml", "x"], "--format 'yaml' is not one of text, json, json-lines, sarif, markdown, github, gitlab, junit, checkstyle, rdjson"),
    (["--format=yaml", "x"], "--format 'yaml' is not one of text, json, json-lines,"),
    (["--color", "sometimes", "x"], "--color 'sometimes' is not one of auto, always, never"),
    (["--uid", "abc", "x"], "--uid 'abc' is not a whole number"),
    (["--verify-seconds=soon", "x"], "--verify-seconds 'soon' is not a whole number"),
    (["--bogus", "x"], "unknown option --bogus (did you mean "),
    (["-x", "x"], "unknown option -x; dockerfix --help lists the options"),
    ([], "no PATH given: name Dockerfiles or folders to fix, or '-' to read stdin"),
    (["x", "--user"], "--user needs a value"),
    (["--write", "--check", "x"], "--write and --check cannot be used together"),
    (["--user", "a b", "x"], "--user 'a b' is not a valid user/group name"),
])
def test_every_bad_option_reads_the_same(args, message, cli):
    code, out, err = cli(args)
    assert code == 2 and out == "", err
    line, = err.splitlines()
    assert line.startswith("dockerfix: error: " + message), err
    assert "Usage:" not in err and "Value error" not in err and "Error:" not in err


def test_the_installed_command_prints_the_same(tmp_path):
    """The fast path hands anything it does not read to typer: the same style from the command."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "fixer", "--format", "yaml", "x"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert p.returncode == 2 and p.stderr.startswith("dockerfix: error: --format 'yaml' is not one of text,"), p.stderr


def test_file_errors_are_path_line_error(tmp_path, cli):
    f = put(tmp_path / "Dockerfile", "RUN echo\nFROM debian\n")
    code, out, err = cli(["--isolated", "--offline", f])
    assert code == 2 and err.startswith(f"{f}:1: error: RUN before the first FROM") and err.count("\n") == 1, err
    code, out, err = cli(["--isolated", "--offline", "--format", "json", f])
    assert json.loads(out)[0]["error"].startswith(f"{f}:1: RUN before the first FROM")  # the report keeps its schema
    code, out, err = cli(["--isolated", "--offline", tmp_path / "missing"])
    assert code == 2 and err == f"{tmp_path / 'missing'}: error: no such file\n", err


def test_verify_verdicts_read_like_the_other_lines(capsys):
    """A refuted fix is a file left alone (rule verify-refuted) with what the image printed; a
    verified one says so after its fixed line."""
    from fixer.batch import explain
    from fixer.result import Result

    refuted = Result(False, b"", path="Dockerfile", rule="verify-refuted",
                     skipped="--verify: the fixed image exits 1 where the original exits 0",
                     verify={"verdict": "refuted", "reason": "the fixed image exits 1 where the original exits 0",
                             "error": "PermissionError: [Errno 13] Permission denied: '/var/lib/x'"})
    explain(refuted, write=False, verbose=False)
    assert capsys.readouterr().err == (
        "Dockerfile: left alone [verify-refuted]: --verify: the fixed image exits 1 where the original exits 0\n"
        "  PermissionError: [Errno 13] Permission denied: '/var/lib/x'\n")
    verified = Result(True, b"", path="Dockerfile", family="alpine", user_after="appuser", insert_after=3,
                      verify={"verdict": "verified", "engine": "buildah", "times": {"total": 14.5},
                              "reason": "built both images; the fixed one starts as 10001"})
    explain(verified, write=True, verbose=False)
    assert capsys.readouterr().err == (
        "Dockerfile: fixed: USER appuser after line 3 (Alpine)\n"
        "Dockerfile: verified (buildah, 14.5 s): built both images; the fixed one starts as 10001\n")
