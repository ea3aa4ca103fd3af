"""The command line: modes, exit codes, stdin for editors, diffs that git applies, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT_DOCKERFILE = (
    "FROM debian:bookworm-slim\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
    'CMD ["curl", "--version"]\n'
)
NONROOT_DOCKERFILE = "FROM debian:bookworm-slim\nUSER nobody\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def run_dockerfix(args, cwd, input: bytes | None = None) -> tuple[int, bytes, bytes]:
    """The installed command in a fresh process (as bots, hooks and editors run it), in `cwd`."""
    p = subprocess.run([sys.executable, "-m", "fixer", *map(str, args)], cwd=cwd, capture_output=True, input=input,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_default_prints_diff_and_changes_nothing(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    code, out, err = cli([f])
    assert code == 0
    # outside the current folder: the absolute path without its leading slash (as git would show it)
    shown = str(f).lstrip("/")
    assert out.startswith(f"--- a/{shown}\n+++ b/{shown}\n")
    assert "+USER appuser\n" in out
    assert f.read_text() == ROOT_DOCKERFILE


def test_write_then_check_is_clean(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    os.chmod(f, 0o640)
    code, out, err = cli(["--write", f])
    assert code == 0 and out == ""
    assert f"{f}: fixed: USER appuser after line 2 (Debian)" in err
    assert "USER appuser" in f.read_text()
    assert oct(f.stat().st_mode & 0o777) == "0o640"
    assert not [p for p in tmp_path.iterdir() if p.name != "Dockerfile"], "temporary file left behind"
    assert cli(["--check", f])[0] == 0


def test_check_exit_1_names_files(tmp_path, cli):
    a = write(tmp_path / "a" / "Dockerfile", ROOT_DOCKERFILE)
    b = write(tmp_path / "b" / "Dockerfile", NONROOT_DOCKERFILE)
    code, out, err = cli(["--check", tmp_path])
    assert code == 1
    assert f"{a}: would fix: " in err and str(b) not in err  # nothing to do: named with -v only
    assert "1 file would be fixed, 1 file already non-root." in err
    assert a.read_text() == ROOT_DOCKERFILE


def test_stdin_prints_fixed_text(cli):
    code, out, err = cli(["-"], input=ROOT_DOCKERFILE)
    assert code == 0
    assert out.startswith(ROOT_DOCKERFILE.split("CMD")[0]) and "USER appuser\nCMD" in out
    # the fixed text is the output, so stderr says it was fixed and where it went
    assert err.startswith("-: fixed (printed to stdout): USER appuser after line ")


def test_shell_less_image_is_named_so(cli):
    code, out, err = cli(["-", "--check"], input="FROM gcr.io/distroless/static-debian12\nCOPY app /app\n")
    assert code == 1 and err == "-: would fix: USER nonroot after line 1 (no shell)\n"


def test_stdin_check_and_diff_say_would_fix(cli):
    for option in ("--check", "--diff"):
        code, out, err = cli(["-", option, "--stdin-filename", "x/Dockerfile"], input=ROOT_DOCKERFILE)
        assert err.startswith("x/Dockerfile: would fix: USER appuser"), option


def test_stdin_unchanged_text_when_nothing_to_do(cli):
    code, out, err = cli(["-"], input=NONROOT_DOCKERFILE)
    assert (code, out) == (0, NONROOT_DOCKERFILE)


def test_stdin_error_returns_original_text(cli):
    bad = "FROM debian\nRUN <<EOF\necho\n"
    code, out, err = cli(["-", "--stdin-filename", "svc/Dockerfile"], input=bad)
    assert code == 2 and out == bad
    assert "svc/Dockerfile:2: error: unterminated heredoc" in err


def test_stdin_diff(cli):
    code, out, err = cli(["-", "--diff", "--stdin-filename", "x/Dockerfile"], input=ROOT_DOCKERFILE)
    assert code == 0 and out.startswith("--- a/x/Dockerfile\n+++ b/x/Dockerfile\n")


def test_errors_exit_2_other_files_still_processed(tmp_path, cli):
    bad = write(tmp_path / "bad" / "Dockerfile", "RUN echo\n")
    good = write(tmp_path / "good" / "Dockerfile", ROOT_DOCKERFILE)
    code, out, err = cli(["--write", bad, good])
    assert code == 2
    assert f"{bad}:1: error: RUN before the first FROM" in err
    assert "Traceback" not in err
    assert bad.read_text() == "RUN echo\n"
    assert "USER appuser" in good.read_text()


def test_json_report(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    code, out, err = cli(["--format", "json", f])
    assert code == 0
    [rep] = json.loads(out)
    assert rep["path"] == str(f) and rep["changed"] is True and rep["family"] == "debian"
    assert rep["user_before"].startswith("root") and rep["user_after"] == "appuser"
    assert rep["insert_after"] == 2 and rep["error"] is None and rep["skipped"] is None
    assert any("apt-get" in r for r in rep["reasons"])
    assert rep["diff"].startswith("--- a/")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--user", "x; rm -rf /"], "not a valid user/group name"),
        (["--user", "Root"], "not a valid user/group name"),
        (["--group", "$(id)"], "not a valid user/group name"),
        (["--uid", "0"], "must be an integer from 1 to 2147483647"),
        (["--gid", "2147483648"], "must be an integer from 1 to 2147483647"),
        (["--writable", "/data; reboot"], "must be an absolute path"),
        (["--writable", "relative/path"], "must be an absolute path"),
    ],
)
def test_bad_options_refused_before_any_file_is_touched(tmp_path, cli, args, message):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    code, out, err = cli([*args, "--write", f])
    assert code == 2 and message in err
    assert f.read_text() == ROOT_DOCKERFILE


def test_folder_discovery(tmp_path, cli):
    names = ["Dockerfile", "Containerfile", "api.Dockerfile", "web.dockerfile", "Dockerfile.prod",
             "Dockerfile.dockerignore", "README.md", "node_modules/x/Dockerfile", ".git/Dockerfile",
             "venv/Dockerfile", "deep/er/Dockerfile"]
    for n in names:
        write(tmp_path / n, ROOT_DOCKERFILE)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    from fixer.cli import discover

    found = {str(Path(p).relative_to(tmp_path)) for p in discover([str(tmp_path)])}
    assert found == {"Dockerfile", "Containerfile", "api.Dockerfile", "web.dockerfile", "Dockerfile.prod",
                     "deep/er/Dockerfile"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_applies_with_git_apply(tmp_path, cli, monkeypatch):
    repo = tmp_path / "repo"
    files = {
        "Dockerfile": ROOT_DOCKERFILE,
        "services/api/Dockerfile": ROOT_DOCKERFILE.replace("curl", "wget"),
        "services/web/Containerfile": "FROM alpine:3.20\r\nRUN apk add --no-cache curl\r\n",
        "tools/no-newline.Dockerfile": "FROM debian:12\nRUN apt-get install -y x",
        "ok/Dockerfile": NONROOT_DOCKERFILE,
    }
    for name, text in files.items():
        write(repo / name, text)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    code, patch, err = cli(["."])
    assert code == 0
    # what --write would produce
    expected = {}
    for name in files:
        c, fixed, e = cli(["-", "--stdin-filename", name], input=files[name])
        expected[name] = fixed
    (tmp_path / "fix.patch").write_text(patch)
    subprocess.run(["git", "apply", "--check", str(tmp_path / "fix.patch")], cwd=repo, check=True)
    subprocess.run(["git", "apply", str(tmp_path / "fix.patch")], cwd=repo, check=True)
    for name in files:
        assert (repo / name).read_bytes() == expected[name].encode(), name


def test_version(cli):
    code, out, err = cli(["--version"])
    assert code == 0 and out.startswith("dockerfix ")


def test_console_script_runs():
    exe = Path(sys.executable).parent / "dockerfix"
    if not exe.exists():
        pytest.skip("dockerfix is not installed as a console script in this environment")
    r = subprocess.run([str(exe), "-"], input=ROOT_DOCKERFILE, capture_output=True, text=True)
    assert r.returncode == 0 and "USER appuser" in r.stdout


FAST_PATH_CASES = [
    ["--check", "{f}"],
    ["{f}"],
    ["--format", "json", "{f}"],
    ["--format=json", "--uid", "12345", "--numeric-user", "{f}"],
    ["--user", "web", "--group=www", "--writable", "/data", "--writable=/cache", "{f}"],
    ["-q", "--check", "--", "{f}"],
    ["--uid", "0", "{f}"],  # refused by validation, in both paths
    ["--user", "x; rm -rf /", "{f}"],
    ["--check", "--diff", "{f}"],
    ["--format", "github", "--exit-zero", "--check", "{f}"],
    ["--color=always", "--statistics", "{f}"],
    ["--format", "rdjson", "-o", "{f}.out", "{f}"],
]


@pytest.mark.parametrize("args", FAST_PATH_CASES, ids=[" ".join(a) for a in FAST_PATH_CASES])
def test_fast_path_agrees_with_typer(args, tmp_path, cli):
    """`main()` reads common command lines itself (typer + pydantic cost ~130 ms to import);
    it must do exactly what the typer command does."""
    import subprocess
    import sys

    from fixer.cli import fast_parse

    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    argv = [a.replace("{f}", str(f)) for a in args]
    assert fast_parse(argv) is not None
    fast = subprocess.run([sys.executable, "-m", "fixer", *argv], capture_output=True, text=True)
    code, out, err = cli(argv)
    assert (fast.returncode, fast.stdout, fast.stderr) == (code, out, err)
    assert "typer" not in subprocess.run(
        [sys.executable, "-c", "import sys; from fixer.cli import main; sys.argv=['dockerfix', *sys.argv[1:]]\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\nprint(' '.join(m for m in sys.modules if m.startswith('typer')), file=sys.stderr)",
         *argv], capture_output=True, text=True).stderr.splitlines()[-1]


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["--format", "xml", "x"], ["--uid", "abc", "x"],
                                  ["--bogus", "x"], ["--check"], ["--write=yes", "x"]])
def test_unusual_command_lines_go_to_typer(argv):
    from fixer.cli import fast_parse

    assert fast_parse(argv) is None


def test_a_file_named_twice_is_processed_once_and_verbose_says_so(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    (tmp_path / "Dockerfile.prod").symlink_to("Dockerfile")
    code, out, err = cli(["--format", "json", f, tmp_path / "Dockerfile.prod", tmp_path])
    assert code == 0 and [r["path"] for r in json.loads(out)] == [str(f)]  # the first name given
    assert "same file" not in err
    code, out, err = cli(["-v", "--check", f, tmp_path])
    assert code == 1 and err.count("would fix") == 1
    assert f"dockerfix: {tmp_path / 'Dockerfile.prod'}: the same file as {f}, processed once\n" in err
    assert f"dockerfix: {f}: the same file as {f}, processed once\n" in err  # found again in the folder
