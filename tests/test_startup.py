"""Start-up cost (issue 17): an editor runs dockerfix on every save, so what a run imports is
part of the interface. These tests name modules, not times: no timing assertion here (bench/bench.py
measures)."""

from __future__ import annotations

import os
import subprocess
import sys

COSTLY = ["dataclasses", "inspect", "typing", "tomllib", "tempfile", "difflib", "importlib.resources", "typer",
          "pathlib", "hashlib", "_hashlib", "threading", "glob"]


def imported(args: list[str], cwd, stdin: bytes | None = None) -> set[str]:
    """The modules a dockerfix run imports (what the interpreter had loaded before it is not
    counted: an editable install's finder imports pathlib)."""
    probe = ("import sys\nbefore = set(sys.modules)\nfrom fixer.cli import main\ntry:\n    main()\n"
             "except SystemExit:\n    pass\nprint(' '.join(sorted(set(sys.modules) - before)), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe, *args], input=stdin, capture_output=True, cwd=cwd)
    return set(out.stderr.decode().strip().splitlines()[-1].split())


def test_a_check_and_a_stdin_fix_import_nothing_costly(tmp_path):
    """dataclasses (inspect, ast, dis), typing, tomllib, tempfile, difflib, importlib.resources
    (pathlib, urllib), hashlib (OpenSSL), threading, glob: ~30 ms of imports a `--check` or a fix from stdin does not need, also next
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


def test_compiled_patterns_are_kept_between_runs(tmp_path, monkeypatch):
    """recache: the second process builds its patterns from the store the first wrote, and each
    equals what re.compile makes (patterns compare their matcher programs)."""
    import re

    probe = ("import sys\nfrom fixer import recache\nrecache.use(sys.argv[1])\n"
             "p = recache.compile(r'(?P<name>[a-z_][a-z0-9_-]{0,31})@(\\d+)?', 2)\n"
             "print(p == __import__('re').compile(p.pattern, 2), p.groupindex['name'], p.groups)\n"
             "print(recache._state['new'])\nrecache.save()\n")
    first = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["True", "1", "2", "1"]  # compiled, stored
    [store] = list(tmp_path.iterdir())
    second = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert second.stdout.split() == ["True", "1", "2", "0"]  # built from the store: nothing new
    store.write_bytes(b"not marshal")  # a damaged store is ignored and written again
    third = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert third.stdout.split() == ["True", "1", "2", "1"]
    from fixer import recache

    monkeypatch.setattr(recache, "_state", dict(recache._state))  # this process's store is left as it was
    recache.use(None)  # no store: re.compile itself
    assert recache.compile("a+", re.I) is re.compile("a+", re.I)


def test_copy_sources_match_like_buildkit(tmp_path):
    """COPY wildcards, one segment at a time, dot files included (Go's filepath.Match)."""
    from fixer.discover import copy_sources

    for name in ("a.sh", ".b.sh", "c.txt", "sub/d.sh", "sub/e/f.sh"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    names = lambda src: [str(p)[len(str(tmp_path)) + 1:] for p in copy_sources(str(tmp_path), src)]  # noqa: E731
    assert names("*.sh") == [".b.sh", "a.sh"]
    assert names("/sub/*.sh") == ["sub/d.sh"]
    assert names("*/e/?.sh") == ["sub/e/f.sh"]
    assert names("[ac].*") == ["a.sh", "c.txt"]
    assert names("c.txt") == ["c.txt"] and names("missing") == [] and names("nope/*") == []


def test_a_full_pattern_store_starts_again(tmp_path, monkeypatch):
    from fixer import recache

    monkeypatch.setattr(recache, "_state", dict(recache._state))
    monkeypatch.setattr(recache, "MAX_ENTRIES", 2)
    recache.use(str(tmp_path))
    for p in ("a+", "b+", "c+"):
        assert recache.compile(p).pattern == p
    assert list(recache._load()) == [("c+", 0)]  # the third cleared the two before it


def test_every_pattern_a_run_compiles_comes_from_the_store(tmp_path):
    """The command routes every pattern compiled in its process through recache's store (issue
    24): a plain `re.compile`, `re.sub(pattern, ...)` of any module (the rules', the repository
    model's, json's own at import) is built from the store on the next run, not parsed again; and
    what is built equals `re.compile`'s."""
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCMD [\"curl\"]\n")
    probe = ("import sys, re\nfrom re import _parser\nparsed = []\nparse = _parser.parse\n"
             "_parser.parse = lambda p, *a, **k: (parsed.append(p), parse(p, *a, **k))[1]\n"
             "from fixer import cli\ncli.os._exit = lambda status: None\n"
             "sys.argv = ['dockerfix', '--check', '-q', *sys.argv[1:]]\ncli.command()\n"
             "p = re.compile(r'plain (?P<x>[a-z]+)\\d*', re.I)\n"
             "print(p == re.compile(p.pattern, re.I), file=sys.stderr)\n"
             "from fixer import recache\nrecache.save()\n"
             "print(len([p for p in parsed if isinstance(p, str)]), file=sys.stderr)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", probe, str(f)], capture_output=True, text=True, cwd=tmp_path,
                           env=env).stderr.split()[-2:] for _ in range(2)]
    assert runs[0][0] == "True" and int(runs[0][1]) > 5, runs  # the first run parses its patterns
    assert runs[1] == ["True", "0"], runs  # the second builds every one from the store


def test_the_shell_binding_loads_without_importlib(tmp_path):
    """tree-sitter's compiled modules are loaded on the first RUN without the `importlib` package
    (its __init__ imports warnings): the interpreter's own import machinery is enough."""
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCMD [\"curl\"]\n")
    # without site (-S): an editable install's finder (a .pth file) imports importlib before the run
    import site

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, *site.getsitepackages()])}
    probe = ("import sys\nfrom fixer.cli import main\nsys.argv = ['dockerfix', *sys.argv[1:]]\ntry:\n    main()\n"
             "except SystemExit:\n    pass\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-S", "-c", probe, str(f), "--check", "-q"], capture_output=True, cwd=tmp_path,
                         env=env, text=True)
    loaded = set(out.stderr.strip().splitlines()[-1].split())
    assert "tree_sitter._binding" in loaded and not loaded & {"importlib", "importlib.machinery", "warnings"}, out.stderr


def test_the_collector_waits_for_the_first_file(tmp_path):
    """The command starts with the cyclic garbage collector off (fixer.entry: the start-up makes
    tens of thousands of objects that live until the process ends, and collecting them was ~3% of
    a run); it is on again once the first file is done, and in every forked worker, so a run over
    many files collects as usual."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM debian:12\nRUN apt-get update\n")
    probe = ("import gc, os, sys\nfrom fixer import batch, entry, pipeline, workers\nstates = []\nfix = pipeline.fix\n"
             "pipeline.fix = lambda *a, **k: (states.append(gc.isenabled()), fix(*a, **k))[1]\n"
             "start = workers._start\nworkers._start = lambda *a: (start(*a), "
             "os.write(2, b'worker %s\\n' % str(gc.isenabled()).encode()))\nparent, real_exit = os.getpid(), os._exit\n"
             # the command ends with os._exit: the parent prints what it saw, then every process
             # (a forked worker ends with os._exit too) really exits, or a worker runs on as the parent
             "def _exit(status):\n    if os.getpid() == parent:\n        print('files', *states, file=sys.stderr)\n"
             "        sys.stderr.flush()\n    real_exit(status)\nos._exit = _exit\n"
             "sys.argv = ['dockerfix', '--check', '-q', *sys.argv[1:]]\nentry.command()\n")
    one = subprocess.run([sys.executable, "-c", probe, "a/Dockerfile", "b/Dockerfile", "--jobs", "1"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120).stderr.split()
    assert one[-3:] == ["files", "False", "True"], one
    forked = subprocess.run([sys.executable, "-c", probe, "a/Dockerfile", "b/Dockerfile", "--jobs", "2"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120).stderr.split()
    assert forked.count("worker") == 2 and forked.count("True") >= 2 and "False" not in forked[:4], forked
