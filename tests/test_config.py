"""Configuration files (.dockerfix.toml, [tool.dockerfix]), found like ruff finds its own, and the
inline `# dockerfix: ignore` comment."""

from __future__ import annotations

import json
import subprocess
import sys

from test_cli import NONROOT_DOCKERFILE, ROOT_DOCKERFILE, write

from fixer.config import Config


def _report(cli, args):
    code, out, err = cli(["--format", "json", *args])
    return code, {r["path"]: r for r in json.loads(out)}, err


def test_closest_configuration_wins_and_files_are_not_merged(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".dockerfix.toml", 'user = "outer"\nuid = 4000\n')
    write(tmp_path / "svc" / "pyproject.toml", '[tool.dockerfix]\nuser = "inner"\n')
    write(tmp_path / "svc" / "api" / "Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "web" / "Dockerfile", ROOT_DOCKERFILE)
    # a pyproject.toml without [tool.dockerfix] does not stop the walk
    write(tmp_path / "web" / "pyproject.toml", '[project]\nname = "web"\n')
    code, reports, _ = _report(cli, ["."])
    assert code == 0
    api, web = reports["./svc/api/Dockerfile"], reports["./web/Dockerfile"]
    assert api["user_after"] == "inner" and api["user_ids"] == "10001:10001"  # uid not inherited from outer
    assert web["user_after"] == "outer" and web["user_ids"] == "4000:4000"


def test_dockerfix_toml_comes_before_pyproject_in_one_folder(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.dockerfix]\nuser = "frompyproject"\n')
    write(tmp_path / ".dockerfix.toml", 'user = "fromdotfile"\n')
    write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    _, reports, _ = _report(cli, ["Dockerfile"])
    assert reports["Dockerfile"]["user_after"] == "fromdotfile"


def test_command_line_wins_and_isolated_and_config_option(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".dockerfix.toml", 'user = "web"\nnumeric-user = true\nuid = 3000\n')
    write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    other = write(tmp_path / "conf" / "team.toml", 'user = "team"\n')
    _, r, _ = _report(cli, ["--user", "ops", "Dockerfile"])
    assert r["Dockerfile"]["user_after"] == "3000:3000" and "created user ops (3000:3000)" in r["Dockerfile"]["reasons"][-1]
    _, r, _ = _report(cli, ["--isolated", "Dockerfile"])
    assert r["Dockerfile"]["user_after"] == "appuser"
    _, r, _ = _report(cli, ["--config", other, "Dockerfile"])
    assert r["Dockerfile"]["user_after"] == "team"


def test_exclude_globs_in_folders_and_force_exclude(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".dockerfix.toml", 'exclude = ["vendor", "legacy/*.Dockerfile", "**/testdata/**"]\n')
    keep = write(tmp_path / "app" / "Dockerfile", ROOT_DOCKERFILE)
    vendored = write(tmp_path / "app" / "vendor" / "lib" / "Dockerfile", ROOT_DOCKERFILE)
    legacy = write(tmp_path / "legacy" / "old.Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "legacy" / "Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "a" / "testdata" / "x" / "Dockerfile", ROOT_DOCKERFILE)
    code, reports, _ = _report(cli, ["."])
    assert sorted(reports) == ["./app/Dockerfile", "./legacy/Dockerfile"]
    # named on the command line: processed (like ruff and black) unless --force-exclude
    _, reports, _ = _report(cli, [vendored.relative_to(tmp_path), legacy.relative_to(tmp_path)])
    assert len(reports) == 2
    code, reports, _ = _report(cli, ["--force-exclude", vendored.relative_to(tmp_path), keep.relative_to(tmp_path)])
    assert list(reports) == ["app/Dockerfile"]


def test_stdin_uses_the_configuration_of_stdin_filename(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "svc" / ".dockerfix.toml", 'user = "svc"\nexclude = ["generated"]\n')
    code, out, err = cli(["--stdin-filename", "svc/Dockerfile", "-"], input=ROOT_DOCKERFILE)
    assert code == 0 and "USER svc\n" in out
    # an excluded file with --force-exclude: the editor gets its text back untouched
    code, out, err = cli(["--force-exclude", "--stdin-filename", "svc/generated/Dockerfile", "-"],
                         input=ROOT_DOCKERFILE)
    assert code == 0 and out == ROOT_DOCKERFILE


def test_bad_configuration_is_a_clear_error_naming_file_and_line(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    cases = {
        'user = "web"\nusr = "x"\n': ".dockerfix.toml:2: unknown key 'usr'",
        "numeric_user = true\n": "unknown key 'numeric_user' (keys are kebab-case)",
        'uid = "1000"\n': ".dockerfix.toml:1: uid must be an integer, not '1000'",
        "uid = 0\n": "uid 0 must be an integer from 1 to",
        'user = "x; rm -rf /"\n': "user 'x; rm -rf /' is not a valid user/group name",
        "exclude = [1]\n": "exclude must be a list of strings",
        "lookup-timeout = 0\n": "lookup-timeout must be a positive integer, not 0",
        "failed-lookup-minutes = -1\n": "failed-lookup-minutes must be 0 or more, not -1",
        "uid = [\n": ".dockerfix.toml: invalid TOML",  # last: --config below names this broken file
    }
    for text, message in cases.items():
        write(tmp_path / ".dockerfix.toml", text)
        code, out, err = cli(["--write", "Dockerfile"])
        assert code == 2, (text, err)
        assert f"Dockerfile: error: configuration .dockerfix.toml" in err and message in err, (text, err)
        assert f.read_text() == ROOT_DOCKERFILE
    # --config naming a broken file fails before anything is read
    code, out, err = cli(["--config", ".dockerfix.toml", "Dockerfile"])
    assert code == 2 and err.startswith("dockerfix: error: configuration .dockerfix.toml: invalid TOML")


def test_pyproject_table_errors_name_the_table(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", NONROOT_DOCKERFILE)
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.dockerfix]\nnumeric-user = "yes"\n')
    code, out, err = cli(["--check", "Dockerfile"])
    assert code == 2 and "configuration pyproject.toml:5: [tool.dockerfix] numeric-user must be true or false" in err


def test_exclude_glob_semantics():
    c = Config("x", "/r", exclude=("vendor", "**/testdata/**", "docker/legacy/*", "*.gen.Dockerfile"))
    assert c.excludes("/r/vendor/Dockerfile") and c.excludes("/r/a/vendor")
    assert c.excludes("/r/a/testdata/Dockerfile") and c.excludes("/r/testdata")
    assert c.excludes("/r/docker/legacy/Dockerfile") and not c.excludes("/r/docker/Dockerfile")
    assert c.excludes("/r/x/a.gen.Dockerfile") and not c.excludes("/r/x/a.Dockerfile")
    assert not c.excludes("/elsewhere/vendor/Dockerfile")  # outside the configuration's folder


def test_ignore_comment_is_reported_as_skipped(tmp_path, cli):
    f = write(tmp_path / "Dockerfile", "# dockerfix: ignore\n" + ROOT_DOCKERFILE)
    code, reports, err = _report(cli, [f])
    assert code == 0 and reports[str(f)]["skipped"] == "line 1: `# dockerfix: ignore` at the top of the file"
    code, out, err = cli(["-v", "--check", f])
    assert code == 0 and f"{f}: left alone [ignored]: line 1: `# dockerfix: ignore`" in err


def test_shell_completion_is_typer_s(tmp_path):
    """`dockerfix --show-completion bash` prints a script; the completion protocol answers."""
    out = subprocess.run([sys.executable, "-m", "fixer", "--show-completion", "bash"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "SHELL": "/bin/bash"}, timeout=60)
    assert out.returncode == 0 and "_DOCKERFIX_COMPLETE" in out.stdout.upper().replace("-", "_"), out
    env = {"PATH": "/usr/bin:/bin", "_DOCKERFIX_COMPLETE": "complete_bash", "COMP_WORDS": "dockerfix --wri",
           "COMP_CWORD": "1"}
    out = subprocess.run([sys.executable, "-m", "fixer"], capture_output=True, text=True, env=env, timeout=60)
    assert "--write" in out.stdout, out


def test_force_key_takes_rule_names_and_the_old_boolean(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = write(tmp_path / "Dockerfile", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n")
    for value, changed in (("true", True), ('["drops-privileges"]', True), ('["all"]', True), ("false", False),
                           ("[]", False)):
        write(tmp_path / ".dockerfix.toml", f"force = {value}\n")
        code, out, err = cli(["--format", "json", "Dockerfile"])
        rep = json.loads(out)[0]
        assert code == 0 and rep["changed"] is changed, (value, rep)
        assert rep["rule"] == (None if changed else "drops-privileges"), (value, rep)
    write(tmp_path / ".dockerfix.toml", 'force = ["no-such-rule"]\n')
    code, out, err = cli(["--check", "Dockerfile"])
    assert code == 2 and "--force 'no-such-rule' is not a rule" in err or "force 'no-such-rule' is not a rule" in err, err
    write(tmp_path / ".dockerfix.toml", 'force = ["already-non-root"]\n')
    code, out, err = cli(["--check", "Dockerfile"])
    assert code == 2 and "cannot be overridden" in err, err
    assert df.read_text().startswith("FROM postgres:16")


def test_a_pyproject_that_cannot_configure_dockerfix_is_not_read(tmp_path, cli, monkeypatch):
    """A pyproject.toml without the word dockerfix (or a TOML escape that could spell it) holds no
    [tool.dockerfix]: it is not parsed, so broken TOML in it is the Python tools' business; every
    spelling of the table is still read, and a broken file that names it is still an error."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "Dockerfile", ROOT_DOCKERFILE)
    write(tmp_path / "pyproject.toml", '[project\nname = "x"\n')
    code, reports, err = _report(cli, ["Dockerfile"])
    assert code == 0 and reports["Dockerfile"]["user_after"] == "appuser", err
    for table in ('[tool.dockerfix]\nuser = "web"\n', '[tool."dockerfix"]\nuser = "web"\n',
                  'tool.dockerfix.user = "web"\n', '[tool]\ndockerfix = { user = "web" }\n',
                  '[tool."\\u0064ockerfix"]\nuser = "web"\n'):
        write(tmp_path / "pyproject.toml", table + '[project]\nname = "x"\n')
        code, reports, err = _report(cli, ["Dockerfile"])
        assert code == 0 and reports["Dockerfile"]["user_after"] == "web", (table, err)
    write(tmp_path / "pyproject.toml", '[tool.dockerfix\nuser = "web"\n')
    code, _, err = _report(cli, ["Dockerfile"])
    assert code == 2 and "configuration pyproject.toml: invalid TOML" in err
