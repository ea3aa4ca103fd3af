"""The command line's CI conventions (issue 16): --check --diff, --output-file, --exit-zero,
--color, --statistics, progress on a terminal, --help, and the report formats for CI systems and
bots, each read by its consumer's schema or parser."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from paths import ROOT

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, run_dockerfix, write

FILES = {
    "Dockerfile": ROOT_DOCKERFILE,
    # no final newline and non-ASCII on the line the fix is appended to: UTF-8 columns differ
    "svc/api.Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache curl # caf\u00e9 \U0001f433",
    "db/Dockerfile": "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
    "ok/Dockerfile": NONROOT_DOCKERFILE,
    "bad/Dockerfile": "FROM debian\nRUN <<EOF\necho never closed\n",
}
FORMATS = ["text", "json", "json-lines", "sarif", "markdown", "github", "gitlab", "junit", "checkstyle", "rdjson"]


@pytest.fixture
def repo(tmp_path):
    for name, text in FILES.items():
        write(tmp_path / name, text)
    return tmp_path


def out_of(fmt, repo) -> str:
    code, out, err = run_dockerfix(["--format", fmt, "."], repo)
    assert code == 2, err  # bad/Dockerfile
    return out.decode()


# --- options -------------------------------------------------------------------------------------

def test_check_diff_prints_the_diff_and_exits_1(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    code, out, err = cli(["--check", "--diff", f])
    assert code == 1 and "+USER appuser\n" in out and out.startswith("--- a/")
    assert cli(["--check", f])[1] == ""  # --check alone still prints nothing on stdout
    code, out, err = cli(["--check", "--diff", "-", "--stdin-filename", "Dockerfile"], input=ROOT_DOCKERFILE)
    assert code == 1 and out.startswith("--- a/Dockerfile\n")
    assert cli(["--check", "--diff", "-"], input=NONROOT_DOCKERFILE)[:2] == (0, "")
    code, out, err = cli(["--write", "--diff", f])
    assert code == 2 and "--write and --diff cannot be used together" in err
    assert f.read_text() == ROOT_DOCKERFILE


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_holds_what_stdout_would(fmt, repo):
    code, out, err = run_dockerfix(["--format", fmt, "--output-file", "report.out", "."], repo)
    assert code == 2 and out == b""
    expected = out_of(fmt, repo)
    assert (repo / "report.out").read_text() == expected
    assert sorted(p.name for p in repo.iterdir()) == ["Dockerfile", "bad", "db", "ok", "report.out", "svc"]


def test_output_file_replaced_atomically_and_unwritable_is_an_error(repo):
    (repo / "report.json").write_text("old")
    os.chmod(repo / "report.json", 0o600)
    assert run_dockerfix(["--format", "json", "-o", "report.json", "Dockerfile"], repo)[0] == 0
    assert json.loads((repo / "report.json").read_text())[0]["changed"] is True
    assert oct((repo / "report.json").stat().st_mode & 0o777) == "0o600"
    code, out, err = run_dockerfix(["-o", str(repo / "missing" / "x.diff"), "Dockerfile"], repo)
    assert code == 2 and b"dockerfix: error: --output-file" in err and b"Traceback" not in err


def test_exit_zero_follows_ruff(repo, cli):
    # ruff: exit 0 "even upon detecting lint violations"; a file it cannot read is one too
    assert run_dockerfix(["--check", "Dockerfile"], repo)[0] == 1
    assert run_dockerfix(["--check", "--exit-zero", "Dockerfile"], repo)[0] == 0
    code, out, err = run_dockerfix(["--format", "sarif", "--exit-zero", "."], repo)
    assert code == 0 and b"unterminated heredoc" in err
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is False
    # abnormal termination still exits 2: bad options, a broken configuration file
    assert run_dockerfix(["--exit-zero", "--uid", "0", "Dockerfile"], repo)[0] == 2
    write(repo / "ok" / ".dockerfix.toml", "uid = 0\n")
    code, out, err = run_dockerfix(["--exit-zero", "--check", "ok"], repo)
    assert code == 2 and b"configuration" in err


def test_color(tmp_path, monkeypatch):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)

    def diff(*args, **env):
        e = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        p = subprocess.run([sys.executable, "-m", "fixer", *args, str(f)], capture_output=True, text=True,
                           env={**e, **env})
        return p.stdout

    plain = diff()
    assert "\x1b[" not in plain  # not a terminal
    coloured = diff("--color", "always")
    assert "\x1b[32m+USER appuser\x1b[0m\n" in coloured and "\x1b[1m--- a/" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert diff(FORCE_COLOR="1") == coloured  # force-color.org
    assert diff(FORCE_COLOR="") == plain  # set but empty: not set
    assert diff(NO_COLOR="1", FORCE_COLOR="1") == plain  # no-color.org wins (as in CPython)
    assert diff("--color", "always", NO_COLOR="1") == coloured  # the option wins over both
    assert diff("--color", "never", FORCE_COLOR="1") == plain
    assert "\x1b[" not in diff("--color", "always", "--format", "json")  # reports are never coloured

    from fixer.cli import Color
    from fixer.terminal import use_color

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Color.auto, True) and not use_color(Color.auto, False)
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color(Color.auto, True)


def test_statistics_counts_outcomes_and_rules_like_ruff(repo):
    write(repo / "cache/Dockerfile", "FROM redis:7\nCOPY redis.conf /etc/redis.conf\n")
    code, out, err = run_dockerfix(["--statistics", "--check", "."], repo)
    assert code == 2
    lines = out.decode().splitlines()
    # ruff: "{count:>w}\t{code:<w}\t[*] message", the most frequent first, then by code
    assert [line.split("\t")[:2] for line in lines] == [
        ["2", "DFX001          "], ["2", "drops-privileges"], ["1", "already-non-root"], ["1", "error           "]]
    assert lines[0].endswith("\t[*] final stage runs as root (fixable)")
    assert lines[1].split("\t")[2].startswith("[ ] left alone: ")  # the words of the text format
    assert lines[2].split("\t")[2].startswith("[ ] nothing to do: The final stage already runs as a non-root user")
    assert b"files" not in err.splitlines()[-1]  # the summary line is the statistics now
    code, out, err = run_dockerfix(["--statistics", "--format", "json", "--write", "."], repo)
    rows = json.loads(out)
    assert rows[0] == {"code": "DFX001", "count": 2, "fixable": True, "message": "final stage runs as root (fixed)"}
    assert sum(r["count"] for r in rows) == 6
    code, out, err = run_dockerfix(["--statistics", "--format", "sarif", "."], repo)
    assert code == 2 and b"--statistics works with --format text or json" in err


def test_help_shows_defaults_and_plain_names(cli):
    code, out, err = cli(["--help"])
    assert code == 0
    text = " ".join(out.split())  # across line wraps
    assert "[OPTIONS] PATH..." in text  # CliRunner names the program "run"
    for shown in ("--user NAME Name of the user to create [default: appuser].", "--uid N UID of the user to "
                  "create [default: 10001].", "[default: text]", "--output-file PATH", "--color WHEN"):
        assert shown in text, shown
    assert "<bool>" not in out and "{paths}" not in out and "<str>" not in out


def test_a_file_named_lsp_is_fixed_as_dot_slash_lsp(tmp_path):
    write(tmp_path / "lsp", ROOT_DOCKERFILE)
    for args in (["./lsp"], ["--", "lsp"]):
        code, out, err = run_dockerfix(["--check", *args], tmp_path)
        assert code == 1 and b"would fix" in err, args


def test_progress_on_a_terminal_only(tmp_path):
    pty = pytest.importorskip("pty")
    for i in range(12):
        write(tmp_path / f"s{i}" / "Dockerfile", ROOT_DOCKERFILE)

    def on_a_pty(*args) -> bytes:
        """stdout and stderr on a pseudo-terminal, as in an interactive shell."""
        leader, follower = pty.openpty()
        p = subprocess.Popen([sys.executable, "-m", "fixer", *args, "."], cwd=tmp_path, stdin=subprocess.DEVNULL,
                             stdout=follower, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert p.wait(timeout=120) == 1
        return b"".join(chunks)

    shown = on_a_pty("--check")
    assert re.search(rb"dockerfix: 12/12 files \(\d+ files/s\)", shown), shown
    for part in shown.split(b"\r\x1b[K"):  # the line is cleared before anything else is printed
        if b"files/s" in part:
            assert re.fullmatch(rb"dockerfix: \d+/12 files \(\d+ files/s\)", part), part
    assert b"files/s" not in on_a_pty("--check", "-q")
    code, out, err = run_dockerfix(["--check", "."], tmp_path)  # not a terminal
    assert code == 1 and b"files/s" not in err


# --- formats, each read by its consumer ----------------------------------------------------------

def unescape_property(text: str) -> str:
    # actions/runner ActionCommand.UnescapeProperty: the order the runner replaces in
    for token, replacement in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")):
        text = text.replace(replacement, token)
    return text


def unescape_data(text: str) -> str:
    for token, replacement in (("\r", "%0D"), ("\n", "%0A"), ("%", "%25")):
        text = text.replace(replacement, token)
    return text


def parse_workflow_command(line: str):
    """actions/runner ActionCommand.TryParseV2, transcribed: `::name k=v,k=v::data`."""
    line = line.lstrip()
    assert line.startswith("::")
    end = line.index("::", 2)
    info = line[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for prop in filter(None, props.strip().split(",")):
        key, sep, value = prop.partition("=")
        if sep and key and value:
            properties[key] = unescape_property(value)
    return name, properties, unescape_data(line[end + 2:])


def test_github_workflow_commands(repo):
    odd = "a,b:c%25\r.Dockerfile"
    write(repo / odd, ROOT_DOCKERFILE)
    out = out_of("github", repo)
    commands = [parse_workflow_command(line) for line in out.splitlines()]
    by_file = {props["file"]: (name, props, data) for name, props, data in commands}
    assert sorted(by_file) == ["Dockerfile", "a,b:c%25\r.Dockerfile", "bad/Dockerfile", "db/Dockerfile",
                               "svc/api.Dockerfile"]
    name, props, data = by_file[odd]
    assert name == "warning" and props["line"] == "1" and props["title"] == "dockerfix DFX001 (final-stage-runs-as-root)"
    assert data.startswith("The final build stage runs as root")
    assert by_file["bad/Dockerfile"][0] == "error" and by_file["bad/Dockerfile"][1]["line"] == "2"
    assert "unterminated heredoc" in by_file["bad/Dockerfile"][2]
    assert by_file["db/Dockerfile"][0] == "notice" and "drops-privileges" in by_file["db/Dockerfile"][1]["title"]
    assert "\r" not in out and out.count("\n") == 5  # one line each: nothing unescaped breaks it


def test_gitlab_code_quality(repo):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra")
    schema = json.loads((ROOT / "tests" / "data" / "gitlab-codeclimate.json").read_text())
    issues = json.loads(out_of("gitlab", repo))
    for issue in issues:
        jsonschema.Draft4Validator(schema).validate(issue)  # what GitLab validates each issue with
        # the fields GitLab's documentation requires besides
        assert issue["check_name"] and issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int) and not issue["location"]["path"].startswith("/")
    by_path = {i["location"]["path"]: i for i in issues}
    assert sorted(by_path) == ["Dockerfile", "bad/Dockerfile", "db/Dockerfile", "svc/api.Dockerfile"]
    assert by_path["Dockerfile"]["check_name"] == "DFX001" and by_path["Dockerfile"]["severity"] == "major"
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # the same finding keeps its fingerprint when lines move above it
    write(repo / "Dockerfile", "# a comment\n" + ROOT_DOCKERFILE)
    moved = {i["location"]["path"]: i for i in json.loads(out_of("gitlab", repo))}["Dockerfile"]
    assert moved["fingerprint"] == by_path["Dockerfile"]["fingerprint"]
    assert moved["location"]["lines"]["begin"] == 2


def test_junit_read_by_junitparser(repo):
    junitparser = pytest.importorskip("junitparser", reason="junitparser is a test extra")
    (repo / "report.xml").write_text(out_of("junit", repo))
    xml = junitparser.JUnitXml.fromfile(str(repo / "report.xml"))
    [suite] = list(xml)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 2, 1, 1)
    cases = {case.name: case for case in suite}
    assert sorted(cases) == ["Dockerfile", "bad/Dockerfile", "db/Dockerfile", "ok/Dockerfile", "svc/api.Dockerfile"]
    assert cases["ok/Dockerfile"].is_passed
    [failure] = cases["Dockerfile"].result
    assert isinstance(failure, junitparser.Failure) and failure.type == "DFX001"
    assert "+USER appuser" in failure.text and failure.message.startswith("Dockerfile:1: The final build stage")
    assert isinstance(cases["bad/Dockerfile"].result[0], junitparser.Error)
    assert cases["db/Dockerfile"].is_skipped


def test_junit_and_checkstyle_carry_control_characters_as_text(tmp_path):
    write(tmp_path / "x\x01.Dockerfile", ROOT_DOCKERFILE)
    for fmt in ("junit", "checkstyle"):
        code, out, err = run_dockerfix(["--format", fmt, "."], tmp_path)
        assert code == 0
        assert any("x\\x01.Dockerfile" in v for e in ET.fromstring(out).iter() for v in e.attrib.values()), fmt


def test_checkstyle_as_reviewdog_reads_it(repo):
    root = ET.fromstring(out_of("checkstyle", repo))
    # reviewdog parser/checkstyle.go: <checkstyle version><file name><error line column message severity source>
    assert root.tag == "checkstyle" and root.get("version")
    files = {f.get("name"): f.findall("error") for f in root.findall("file")}
    assert sorted(files) == ["Dockerfile", "bad/Dockerfile", "db/Dockerfile", "ok/Dockerfile", "svc/api.Dockerfile"]
    assert files["ok/Dockerfile"] == []
    for errors in files.values():
        for e in errors:
            assert set(e.attrib) <= {"line", "column", "message", "severity", "source"}
            assert int(e.get("line")) >= 1 and e.get("severity") in ("error", "warning", "info", "ignore")
    [e] = files["Dockerfile"]
    assert (e.get("severity"), e.get("source")) == ("warning", "dockerfix.DFX001")
    assert files["bad/Dockerfile"][0].get("line") == "2"


def test_json_lines_is_the_json_array_one_object_a_line(repo):
    lines = out_of("json-lines", repo).splitlines()
    assert [json.loads(line) for line in lines] == json.loads(out_of("json", repo))


def test_rdjson_valid_and_its_suggestion_is_the_fix(repo):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra")
    schema = json.loads((ROOT / "tests" / "data" / "rdjson-DiagnosticResult.json").read_text())
    result = json.loads(out_of("rdjson", repo))
    jsonschema.Draft4Validator(schema).validate(result)
    by_path = {d["location"]["path"]: d for d in result["diagnostics"]}
    assert sorted(by_path) == ["Dockerfile", "bad/Dockerfile", "db/Dockerfile", "svc/api.Dockerfile"]
    assert by_path["bad/Dockerfile"]["severity"] == "ERROR" and "suggestions" not in by_path["db/Dockerfile"]
    for path in ("Dockerfile", "svc/api.Dockerfile"):
        d = by_path[path]
        assert d["code"]["value"] == "DFX001" and d["severity"] == "WARNING"
        [s] = d["suggestions"]
        assert s["range"]["start"] == s["range"]["end"]  # an insertion
        # apply it as reviewdog does: line, then column in UTF-8 bytes, both from 1
        data = (repo / path).read_bytes()
        lines = data.split(b"\n")
        start = sum(len(x) + 1 for x in lines[: s["range"]["start"]["line"] - 1]) + s["range"]["start"]["column"] - 1
        fixed = data[:start] + s["text"].encode() + data[start:]
        code, expected, err = run_dockerfix(["-", "--stdin-filename", path], repo, input=data)
        assert fixed == expected, path
    assert by_path["svc/api.Dockerfile"]["suggestions"][0]["range"]["start"]["column"] > 40  # after the emoji
