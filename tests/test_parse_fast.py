"""The lexer's hand-written shortcuts against what they replace: BuildKit's continuation regex
and Go's `unicode.IsSpace` trims (tests/test_parse_buildkit.py checks the whole lexer against
BuildKit's parser where that parser is installed)."""

from __future__ import annotations

import itertools

from fixer import parse


def test_trim_continuation_does_what_buildkits_regex_does():
    alphabet = ["a", "\\", "`", " ", "\t", "\n", "é"]
    for escape in ("\\", "`"):
        d = parse._Directives()
        d.escape = escape
        regex = parse.continuation_re(escape)
        for n in range(7):
            for chars in itertools.product(alphabet, repeat=n):
                line = "".join(chars)
                want = (regex.sub(r"\1", line, count=1), False) if regex.search(line) else (line, True)
                assert d.trim_continuation(line) == want, (escape, line)


def test_go_trims_take_gos_spaces_only():
    spaces = sorted(parse._GO_SPACE)
    others = ["a", "\x1c", "\x1f", "\u200b", "#"]  # Python's isspace takes \x1c-\x1f; Go does not
    for left, right in itertools.product(spaces + others, repeat=2):
        s = left + right + "x" + left + right
        i = 0
        while i < len(s) and s[i] in parse._GO_SPACE:
            i += 1
        j = len(s)
        while j > i and s[j - 1] in parse._GO_SPACE:
            j -= 1
        assert parse.go_lstrip(s) == s[i:]
        assert parse.go_strip(s) == s[i:j]


def _parse_words_slow(rest: str, escape: str) -> list[str]:
    """`parse._parse_words` without its shortcut (the loop that follows BuildKit's)."""
    real = parse._WORDS_SLOW
    try:
        parse._WORDS_SLOW = type("Always", (), {"search": staticmethod(lambda s: True)})()
        return parse._parse_words(rest, escape)
    finally:
        parse._WORDS_SLOW = real


def test_words_without_quotes_or_escapes_split_on_gos_spaces_as_buildkit_does():
    alphabet = ["a", "=", " ", "\t", "\xa0", "\u2003", "\x1c", "\x1f", "'", '"', "\\", "`", "$"]
    for escape in ("\\", "`"):
        for n in range(5):
            for chars in itertools.product(alphabet, repeat=n):
                rest = "".join(chars)
                assert parse._parse_words(rest, escape) == _parse_words_slow(rest, escape), (escape, rest)
