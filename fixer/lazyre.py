"""`lazyre.compile(pattern, flags)`: `re.compile`, done when the pattern is first used.

Compiling a regular expression runs in Python (0.05-0.5 ms each). The rules have about 40 at
module level, and most files are decided before the rules that hold most of them run, or never
reach the lines they look at: compiled at import, they cost ~5 ms on every start (a quarter of an
editor's budget). Use it for patterns a run may not need; `search`, `match`, `sub`, ... work as on
the compiled pattern. The pattern may be a function that returns it (one built from a data file,
read only when the pattern is first used).
"""

from __future__ import annotations

import re

from . import recache


class _Lazy:
    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name: str):  # only for names the object lacks: search, match, pattern, ...
        if self._compiled is None:
            pattern, flags = self._args
            self._compiled = recache.compile(pattern() if callable(pattern) else pattern, flags)
        return getattr(self._compiled, name)

    def __repr__(self) -> str:
        return f"lazyre.compile{self._args!r}"


def compile(pattern, flags: int = 0) -> re.Pattern:  # noqa: A001 (re's name, on purpose)
    return _Lazy(pattern, flags)  # type: ignore[return-value]
