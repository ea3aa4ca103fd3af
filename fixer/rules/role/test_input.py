"""test-input: the file is data the repository's tests read, not an image anyone builds.

Linters, scanners, parsers and formatters keep Dockerfiles among their test data: a rule's
passing and failing examples (`tests/checks/resources/RuleName/pass/Dockerfile`,
`test/linters/dockerfile/bad/Dockerfile`), a parser's golden inputs (`testdata/`, `fixtures/`,
`__fixtures__/`). The tests read them as text and compare what the tool says about them (the
number of RUN instructions, the findings on a given line) with an expected result, so a USER
block added to them changes what the test checks and breaks it; no image is ever built from them.

The rule fires when the file's folder path holds a test-data folder (`testdata`, `test-data`,
`fixtures`, `__fixtures__`, `__snapshots__`, `golden`) or a folder of a test tree (`test`,
`tests`, `spec`, `__tests__`) followed by a folder that names test inputs (`resources`, `cases`,
`inputs`, `good`/`bad`, `pass`/`fail`, `valid`/`invalid`), and nothing in the repository builds it
or runs its image (no `docker build`, compose service, bake target or CI step names it). A
Dockerfile under `tests/` that a compose file or CI job builds is an image, and fixed as usual.
"""

from __future__ import annotations

import os

NAME = "test-input"
SUMMARY = "The file is test data (a linter's pass/fail example, a parser's golden input) that no build of the repository builds."
EXAMPLE = "# tests/checks/resources/NoRootUser/fail/Dockerfile, read by the tests as text\nFROM alpine:3.20"

DATA = frozenset(("testdata", "test-data", "test_data", "fixtures", "fixture", "__fixtures__", "test-fixtures",
                  "test_fixtures", "__snapshots__", "golden", "goldens", "testfiles", "test-files", "test_files"))
TESTS = frozenset(("test", "tests", "spec", "specs", "__tests__", "testing"))
INPUTS = frozenset(("resources", "cases", "inputs", "input", "good", "bad", "pass", "fail", "passing", "failing",
                    "valid", "invalid", "positive", "negative"))


def test_folder(rel: str) -> str | None:
    """The folder of `rel` (a path in the repository) that makes it test data, as a path prefix."""
    parts = rel.split("/")[:-1]
    seen_tests = False
    for i, part in enumerate(parts):
        low = part.lower()
        if low in DATA or (seen_tests and low in INPUTS):
            return "/".join(parts[: i + 1]) + "/"
        seen_tests = seen_tests or low in TESTS
    return None


def check(ctx) -> str | None:
    repo = ctx.repository
    if repo is None or ctx.path is None:
        return None
    real = os.path.realpath(ctx.path)
    rel = repo.rel(real)
    folder = test_folder(rel)
    if folder is None:
        return None
    if repo.builds_of(real) or repo.runs_of(real) or repo.consumers_of(real):
        return None  # built, run or built upon: an image after all
    return (f"{rel} is in the repository's test data ({folder}) and nothing in the repository builds it: an "
            f"input the tests read as text (a linter's pass/fail example, a parser's golden file), not an image "
            f"anyone runs; a USER block would change what the tests check")
