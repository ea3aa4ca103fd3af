"""Compare fixer.parse with BuildKit's own Go parser (PyPI `dockerfile`), instruction by instruction."""

from __future__ import annotations

from fixer.errors import DockerfixError
from fixer.parse import parse
from fixer.source import decode

try:  # a test dependency; it ships wheels for x86_64 Linux, macOS and Windows only
    import dockerfile as _bk
except ImportError:  # pragma: no cover
    _bk = None

AVAILABLE = _bk is not None


def reference(text: str):
    """BuildKit's view: list of tuples, or the error message."""
    try:
        cmds = _bk.parse_string(text)
    except _bk.GoParseError as e:
        return f"error: {e}"
    return [
        ((c.cmd or "").lower(), (c.sub_cmd or "").lower(), c.json, c.start_line, c.end_line, tuple(c.flags),
         tuple(c.value), tuple((h.name, h.content) for h in c.heredocs))
        for c in cmds
    ]


def ours(text: str):
    """Our view in the same shape, or None when we refuse the file (see `why_refused`)."""
    df = parse(decode(text.encode("utf-8")))
    out = []
    for i in df.instructions:
        sub = i.sub
        docs = i.heredocs if sub is None else ()  # the Go binding reports top-level heredocs only
        out.append((i.cmd, sub.cmd if sub else "", (sub or i).json, i.start_line, i.end_line, i.flags,
                    i.value, tuple((h.name, h.content) for h in docs)))
    return out


def compare(text: str):
    """None when both agree (or we refuse with a reason BuildKit accepts); else a description."""
    ref = reference(text)
    try:
        mine = ours(text)
    except DockerfixError as e:
        if isinstance(ref, str):
            return None  # both refuse
        # we refuse some files BuildKit accepts on purpose: unknown instructions and a file that
        # ends inside a continuation (no fix can be placed after it)
        if e.message.startswith(("unknown instruction", "the file ends inside a line continuation")):
            return None
        return f"we refuse ({e.message}, line {e.line}) but BuildKit parses it"
    if isinstance(ref, str):
        return f"BuildKit refuses ({ref}) but we parse it"
    if mine != ref:
        for a, b in zip(mine, ref):
            if a != b:
                return f"differ:\n  ours:     {a}\n  buildkit: {b}"
        return f"differ in count: ours {len(mine)} buildkit {len(ref)}"
    return None
