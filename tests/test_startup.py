"""Start-up cost (issue 17): an editor runs dockerfix on every save, so what a run imports is
part of the interface. These tests name modules, not times: no timing assertion here (bench/bench.py
measures)."""

from __future__ import annotations

import subprocess
import sys

COSTLY = ["dataclasses", "inspect", "typing", "tomllib", "tempfile", "difflib", "importlib.resources", "typer",
          "pathlib"]


def imported(args: list[str], cwd, stdin: bytes | None = None) -> set[str]:
    """The modules a dockerfix run imports (what the interpreter had loaded before it is not
    counted: an editable install's finder imports pathlib)."""
    probe = ("import sys\nbefore = set(sys.modules)\nfrom fixer.cli import main\ntry:\n    main()\n"
             "except SystemExit:\n    pass\nprint(' '.join(sorted(set(sys.modules) - before)), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe, *args], input=stdin, capture_output=True, cwd=cwd)
    return set(out.stderr.decode().strip().splitlines()[-1].split())


def test_a_check_and_a_stdin_fix_import_nothing_costly(tmp_path):
    """dataclasses (inspect, ast, dis), typing, tomllib, tempfile, difflib, importlib.resources
    (pathlib, urllib): ~25 ms of imports a `--check` or a fix from stdin does not need, also next
    to a pyproject.toml that does not configure dockerfix."""
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCMD [\"curl\"]\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')  # a Python repository's
    check = imported([str(f), "--check", "-q"], tmp_path)
    assert "fixer.plan" in check and not check & set(COSTLY), check & set(COSTLY)
    fix = imported(["-", "--stdin-filename", str(f)], tmp_path, f.read_bytes())
    assert "fixer.plan" in fix and not fix & set(COSTLY), fix & set(COSTLY)


def test_rules_are_imported_when_reached(tmp_path):
    """A file already-non-root decides (every file dockerfix has fixed, on each later save) does
    not import the rules after it; a file that is fixed runs, and imports, them all."""
    from fixer.rules import ORDER

    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12\nRUN apt-get update\nUSER 1000\n")
    early = imported([str(f), "--check", "-q"], tmp_path)
    later = ORDER[ORDER.index("user.already_non_root") + 1:]
    assert "fixer.rules.user.already_non_root" in early
    assert not {f"fixer.rules.{spec}" for spec in later} & early
    f.write_text("FROM debian:12\nRUN apt-get update\n")
    assert {f"fixer.rules.{spec}" for spec in ORDER} <= imported([str(f), "--check", "-q"], tmp_path)


def test_the_command_exits_at_once_with_main_s_status(tmp_path, monkeypatch, capsys):
    """`dockerfix` (fixer.cli:command) skips the interpreter's clean-up with os._exit, after
    flushing: the status is main()'s, and all the output is out first."""
    from fixer import cli

    class Exited(Exception):
        pass

    def exit_now(status):
        raise Exited(status)

    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12\nRUN apt-get update\n")
    monkeypatch.setattr(cli.os, "_exit", exit_now)
    for args, status in (([str(f), "--check"], 1), ([str(f)], 0), ([str(f), "--uid", "0"], 2)):
        monkeypatch.setattr(sys, "argv", ["dockerfix", *args])
        try:
            cli.command()
        except Exited as e:
            assert e.args == (status,), args
        else:
            raise AssertionError("no os._exit")
        out, err = capsys.readouterr()
        assert ("+USER appuser" in out) == (status == 0) and err, args
