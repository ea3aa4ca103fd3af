"""Every fixture pair in fixtures/: input `Dockerfile`, expected output `expected`, and `case.toml`
(command-line args, reasons/warnings the report must give, or the error it must give).

For each: the CLI with --write turns the input into exactly `expected`; the change only inserts
lines (lossless); a second run changes nothing (idempotent); `expected` parses with BuildKit's
parser and our lexer agrees with it.
"""

from __future__ import annotations

import json
import shutil
import tomllib

import buildkit
import pytest
from paths import FIXTURES

CASES = sorted(p for p in FIXTURES.iterdir() if (p / "case.toml").exists())


def load(case):
    return tomllib.loads((case / "case.toml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case, tmp_path, cli):
    spec = load(case)
    args = spec.get("args", [])
    src = (case / "Dockerfile").read_bytes()
    # the case folder is the build context (an ENTRYPOINT script may be read from it)
    shutil.copytree(case, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("case.toml", "expected"))
    target = tmp_path / "Dockerfile"

    if "error" in spec:
        code, out, err = cli([*args, "--write", target])
        assert code == 2, (out, err)
        assert spec["error"] in err, err
        assert target.read_bytes() == src, "a file that failed must never be written"
        return

    expected = (case / "expected").read_bytes()
    code, out, err = cli([*args, "--format", "json", "--write", target])
    assert code == 0, err
    report = json.loads(out)[0]
    assert report["error"] is None
    got = target.read_bytes()
    assert got == expected, f"\n--- got ---\n{got.decode()}\n--- expected ---\n{expected.decode()}"
    assert report["changed"] == (expected != src)
    for needle in spec.get("reasons", []):
        assert any(needle in r for r in report["reasons"]), (needle, report["reasons"])
    for needle in spec.get("warnings", []):
        assert any(needle in w for w in report["warnings"]), (needle, report["warnings"])
    if not spec.get("warnings"):
        assert report["warnings"] == [], report["warnings"]
    if "skipped" in spec:
        assert spec["skipped"] in (report["skipped"] or ""), report["skipped"]
    # a file left alone names the decide rule that left it (`rule`); a fixed one names none
    assert report["rule"] == spec.get("rule"), (report["rule"], report["skipped"])
    if "family" in spec:
        assert report["family"] == spec["family"]
    if "user_after" in spec:
        assert report["user_after"] == spec["user_after"]

    # lossless: removing the inserted block gives back the input, byte for byte
    if expected != src:
        lines = expected.decode().split("\n")
        k = report["insert_after"]
        n = len(expected.decode().split("\n")) - len(src.decode().split("\n"))
        restored = "\n".join(lines[:k] + lines[k + n:])
        assert restored.encode() == src

    # idempotent: fixing the output again changes nothing
    code, out, err = cli([*args, "--check", target])
    assert code == 0, (out, err)

    # the output is a Dockerfile BuildKit reads the way we do
    if buildkit.AVAILABLE:
        assert buildkit.compare(expected.decode()) is None
        assert not isinstance(buildkit.reference(expected.decode()), str)

