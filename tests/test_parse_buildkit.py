"""Our lexer against BuildKit's own parser (PyPI `dockerfile`): instruction kinds, line spans,
flags, values and heredocs must agree on every fixture, on every file of the development corpus,
and on generated files full of the grammar's corner cases."""

from __future__ import annotations

from pathlib import Path

import buildkit
import pytest
from paths import FIXTURES, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.errors import DockerfixError
from fixer.parse import parse
from fixer.source import decode

pytestmark = pytest.mark.skipif(not buildkit.AVAILABLE, reason="PyPI 'dockerfile' (BuildKit's parser) is not installed on this platform")

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


def _is_text(path: Path) -> bool:
    text = _text(path)
    return bool(text and text.strip() and "\x00" not in text)


# the bad-input fixtures that are not text (binary, Latin-1, empty) are covered by test_fixtures
FIXTURE_FILES = sorted(
    p for p in FIXTURES.glob("*/*")
    if p.name in ("Dockerfile", "expected") and _is_text(p)
)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURE_FILES])
def test_fixtures_agree_with_buildkit(path):
    text = _text(path)
    assert buildkit.compare(text) is None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/dev is not next to the repository")
def test_corpus_agrees_with_buildkit():
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix not in (".tsv", ".md"))
    assert len(files) > 900
    bad = {}
    for p in files:
        text = _text(p)
        if text is not None:
            r = buildkit.compare(text)
            if r:
                bad[p.name] = r
    assert not bad, "\n".join(f"{k}: {v}" for k, v in list(bad.items())[:10])


PIECES = [
    "FROM a", "FROM --platform=$BUILDPLATFORM b:1 AS x", "RUN echo hi \\", "RUN a \\\\", "  # c", "#c \\", "", "   ",
    "\t", "RUN <<EOF", "EOF", "\tEOF", "RUN cat <<-EOF >x", "COPY <<A <<B /x/", "A", "B", "ENV A=1 B='2 3' \\",
    "ENV X y z", "LABEL a=\"b c\"", "ARG V=1", "# escape=`", "# syntax=docker/dockerfile:1", "RUN a `", "`",
    'RUN ["a", "b"]', "RUN [1]x", 'CMD ["a"] # c', "ONBUILD RUN <<E", "E", "RUN --mount=type=cache,target=/x \\",
    "--x=1 y", "USER 0:0", 'HEALTHCHECK CMD ["a"]', "HEALTHCHECK  --interval=5s CMD x", "RUN echo '<<Q' <<Q", "Q",
    "\\", "RUN \\ ", "x \\\t", "run lower", "RUN 2<<X cat", "X", 'RUN echo "${A:-x y}" <<"Z"', "Z", "RUN it's <<E",
    "\u00a0RUN nbsp", "RUN a\u00a0\\", "EXPOSE 1\u00a02 3", "RUN x \\\r", "FROM b\r", 'RUN --a "x y" z',
    'COPY --chown=a:b --from="x" . /', "ENV", "ARG", "RUN", "WORKDIR  /a b ", "VOLUME [\"/a\", \"/b\"]",
    "SHELL [\"/bin/bash\", \"-c\"]", "STOPSIGNAL SIGTERM", "MAINTAINER x", "RUN echo \\\\\\", "RUN x`",
]


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(st.sampled_from(PIECES), min_size=1, max_size=12),
    end=st.sampled_from(["", "\n", "\r\n"]),
    bom=st.booleans(),
)
def test_generated_files_agree_with_buildkit(lines, end, bom):
    text = ("\ufeff" if bom else "") + "\n".join(lines) + end
    assert buildkit.compare(text) is None


def test_refusals_are_clear():
    for text, msg in [
        ("FROM a\nRUN x \\\n", "ends inside a line continuation"),
        ("FROM a\nFOO bar\n", "unknown instruction: FOO"),
        ("FROM a\nRUN <<EOF\nx\n", "unterminated heredoc"),
        ("# escape=x\nFROM a\n", "invalid escape token"),
        ("# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive"),
        ("FROM a\nRUN [1]\n", "arrays must be comprised of strings only"),
        ("# only a comment\n\n", "no instructions"),
    ]:
        with pytest.raises(DockerfixError, match=msg.replace("[", r"\[")):
            parse(decode(text.encode()))


def test_spans_and_line_mapping():
    text = "FROM a\nRUN apt-get update \\\n  # comment\n\n  && apt-get install -y x\nCMD y\n"
    df = parse(decode(text.encode()))
    run = df.instructions[1]
    assert (run.start_line, run.end_line) == (2, 5)
    assert run.line_of(run.original.index("install")) == 5
    assert run.line_of(run.original.index("update")) == 2
