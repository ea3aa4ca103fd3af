"""YAML files of a repository (compose, Kubernetes, Helm values, CI workflows), read safely.

A repository is untrusted input: a bot runs over whatever it is pointed at. PyYAML's safe loader
builds only plain data (no Python objects); on top of it:
- a size limit per file (MAX_BYTES: larger files are not read);
- a nesting limit checked on the text before parsing (libyaml's composer recurses once per level,
  so `[[[[...` or `- - - - ...` thousands deep must never reach it);
- an expansion limit: PyYAML shares the node an alias names, so loading a billion-laughs file is
  cheap, but walking the result would visit every expansion; `plain()` copies the document into
  fresh lists and dicts with a budget of MAX_NODES and gives up past it.
Each refusal is a `YamlError` whose message the repository model turns into a warning.

PyYAML is imported here only, when the first YAML file is read (~15 ms).
"""

from __future__ import annotations

from .. import lazyre

import re

MAX_BYTES = 256 << 10
MAX_DEPTH = 64
MAX_NODES = 20000
MAX_DOCUMENTS = 64


class YamlError(Exception):
    pass


_BRACKETS = lazyre.compile(r"[\[\]{}]")
_BLOCK = lazyre.compile(r"^( *)((?:[-?] +)*)", re.M)


def _depth(text: str) -> int:
    """A cheap upper bound on the nesting of a YAML text: flow brackets, and per line the
    indentation plus the block indicators (`- `, `? `) that open a level on the same line."""
    deepest = 0
    flow = 0
    for m in _BRACKETS.finditer(text):
        if m.group(0) in "[{":
            flow += 1
            deepest = max(deepest, flow)
        elif flow:
            flow -= 1
    for m in _BLOCK.finditer(text):
        deepest = max(deepest, len(m.group(1)) // 2 + len(m.group(2).split()))
    return deepest


def plain(value, budget: list[int]):
    """A copy of a loaded document with every alias expanded, within `budget[0]` nodes."""
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlError(f"more than {MAX_NODES} values once its aliases are expanded (a billion-laughs file?)")
    if isinstance(value, dict):
        return {k if isinstance(k, (str, int, float, bool)) or k is None else str(k): plain(v, budget)
                for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, budget) for v in value]
    return value


def load_all(text: str) -> list:
    """The documents of a YAML text as plain data; YamlError when it is too large, too deep,
    expands too far or does not parse."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"larger than {MAX_BYTES >> 10} KiB")
    if "\0" in text:
        raise YamlError("binary content")
    if _depth(text) > MAX_DEPTH:
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels")
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    budget = [MAX_NODES]
    docs = []
    try:
        for i, doc in enumerate(yaml.load_all(text, Loader=loader)):
            if i >= MAX_DOCUMENTS:
                break
            docs.append(plain(doc, budget))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise YamlError(f"not valid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    except (RecursionError, MemoryError, ValueError, TypeError) as e:
        raise YamlError(f"not readable: {type(e).__name__}") from None
    return docs


def key_lines(text: str) -> dict[str, list[int]]:
    """key -> the lines where `key:` starts a mapping entry: a plain-text index so that a
    reason can name the line of the evidence a parsed document no longer knows."""
    import re

    out: dict[str, list[int]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*(?:-\s+)*['\"]?([\w./-]+)['\"]?\s*:(?:\s|$)", line)
        if m:
            out.setdefault(m.group(1), []).append(n)
    return out


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The first line at or after `after` holding `needle` (1 when none does)."""
    for n, line in enumerate(text.splitlines(), 1):
        if n >= after and needle in line:
            return n
    return max(1, after)
