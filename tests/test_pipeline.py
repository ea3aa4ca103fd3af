"""The pipeline (fixer/pipeline.py): one function from bytes to a Result for every front end, its
inputs as arguments (no module state), each file read and parsed once per run."""

from __future__ import annotations

import hashlib
import json
import sys

from fixer import facts
from fixer.pipeline import fix
from fixer.plan import Options

IMAGE = "registry.example.test/acme/app:1"  # not in the knowledge file: only a resolver knows its user


def _resolver(tmp_path, user: str) -> facts.Resolver:
    """A resolver (cache and nothing else: no engine, no network) whose cache holds IMAGE's
    configuration, running as `user`."""
    blob = json.dumps({"os": "linux", "architecture": "amd64", "config": {"User": user}}).encode()
    cache = facts.Cache(str(tmp_path / f"cache-{user}"))
    cache.put(IMAGE, facts.DEFAULT_PLATFORM, "sha256:" + hashlib.sha256(blob).hexdigest(), blob, "registry")
    return facts.Resolver("local", cache, engines=False)


def test_the_resolver_is_an_argument_of_each_run(tmp_path):
    """Two resolvers and none, interleaved in one process: each run sees only its own."""
    data = f"FROM {IMAGE}\nCOPY app /app\n".encode()
    nonroot, root = _resolver(tmp_path, "1001"), _resolver(tmp_path, "root")
    first = fix(data, Options(), resolver=nonroot)
    assert (first.rule, first.changed) == ("already-non-root", False)
    assert "runs as 1001 (registry, cached just now)" in first.skipped
    assert fix(data, Options()).rule == "base-user-unknown"  # the knowledge file alone cannot tell
    assert fix(data, Options(), resolver=root).changed
    assert fix(data, Options(), resolver=nonroot).rule == "already-non-root"
    assert not hasattr(facts, "use")


def test_cli_json_is_the_results_json(tmp_path, cli):
    """`--format json` is each file's Result.to_json(), in order, whatever its outcome."""
    root, nonroot, broken = tmp_path / "a.Dockerfile", tmp_path / "b.Dockerfile", tmp_path / "c.Dockerfile"
    root.write_text("FROM debian:12\nRUN apt-get update\n")
    nonroot.write_text("FROM debian:12\nUSER 1000\n")
    broken.write_text("FROM debian:12\nRUN <<EOF\n")
    code, out, err = cli(["--format", "json", root, nonroot, broken])
    reports = json.loads(out)
    assert [r["path"] for r in reports] == [str(root), str(nonroot), str(broken)]
    expected = fix(root.read_bytes(), Options(), str(tmp_path), str(root)).to_json()
    assert list(reports[0])[:16] == list(expected)[:16] == [
        "path", "changed", "family", "user_before", "user_after", "user_ids", "created_user", "root_line",
        "root_step", "insert_after", "reasons", "warnings", "skipped", "rule", "error", "error_line"]
    assert {k: reports[0][k] for k in expected} == expected and "diff" in reports[0] and "edit" in reports[0]
    assert reports[1]["rule"] == "already-non-root" and "diff" not in reports[1]
    assert code == 2 and reports[2]["error"].startswith(f"{broken}:") and reports[2]["changed"] is False


def test_each_file_is_parsed_once_with_look_ups_on(tmp_path, cli, monkeypatch):
    """With look-ups on, the pre-pass parses each file to find its base image; the fix then uses
    that parse instead of reading and parsing the file again."""
    import fixer.parse

    monkeypatch.delenv("DOCKERFIX_LOOKUP", raising=False)  # conftest turns look-ups off
    monkeypatch.delenv("DOCKERFIX_OFFLINE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files = []
    for i in range(3):  # bases the knowledge file knows: nothing is asked of a registry
        f = tmp_path / f"{i}.Dockerfile"
        f.write_text(f"FROM debian:12\nRUN apt-get update\nRUN echo {i}\n")
        files.append(f)
    code_object = fixer.parse.parse.__code__
    calls = []

    def count(frame, event, arg):
        if event == "call" and frame.f_code is code_object:
            calls.append(frame.f_code)

    sys.setprofile(count)
    try:
        code, out, err = cli(["--format", "json", *files])
    finally:
        sys.setprofile(None)
    assert code == 0 and all(r["changed"] for r in json.loads(out)), err
    assert len(calls) == len(files)


def test_rules_use_only_public_names_of_the_steps_below_them():
    """A rule reads what decide.Context and the lower steps offer publicly (Context.script for a
    script copied from the build context or the repository), never another module's private helper."""
    import ast

    from paths import ROOT

    private = []
    for path in sorted((ROOT / "fixer" / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:  # outside the rule's own family
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
