"""ignored: a `# dockerfix: ignore` comment at the top of the file, or right above the final stage's FROM.

The owners of a file know things dockerfix cannot see: an agent that manages the host's network,
a tool whose whole job is to run as root. A `# dockerfix: ignore` comment (any case, optionally
followed by ` -- the reason`) says so in the file itself, where a reviewer reads it:
- in the comments above the first instruction: the whole file is left alone;
- in the comment lines right above the final stage's `FROM`: that stage is left alone.

The evidence is the comment's line (`line 2: # dockerfix: ignore at the top of the file`). It is
the owner's word, so `--force` cannot override it: delete the comment to have the file fixed.
"""

from __future__ import annotations

import re

from ... import lazyre

NAME = "ignored"
SUMMARY = "A `# dockerfix: ignore` comment leaves the file, or the stage below it, alone."
EXAMPLE = "# dockerfix: ignore -- this agent manages the host's network\nFROM debian:bookworm-slim"
OVERRIDABLE = False  # the owner's word: delete the comment instead

IGNORE_RE = lazyre.compile(r"^\ufeff?[ \t]*#[ \t]*dockerfix:[ \t]*ignore(?:[ \t].*)?$", re.IGNORECASE)


def comment_line(df, before_line: int, whole_file: bool) -> int | None:
    """The line of a `# dockerfix: ignore` comment that applies: in the file's leading comments
    (`whole_file`), or in the comment lines right above line `before_line` (a stage's FROM)."""
    lines = df.source.lines
    if whole_file:
        first = df.instructions[0].start_line if df.instructions else len(lines) + 1
        for i in range(first - 1):
            if IGNORE_RE.match(lines[i].rstrip("\r\n")):
                return i + 1
        return None
    i = before_line - 2
    while i >= 0 and lines[i].lstrip(" \t\ufeff").startswith("#"):
        if IGNORE_RE.match(lines[i].rstrip("\r\n")):
            return i + 1
        i -= 1
    return None


def check(ctx) -> str | None:
    line = comment_line(ctx.df, 0, whole_file=True)
    if line is not None:
        return f"line {line}: `# dockerfix: ignore` at the top of the file"
    line = comment_line(ctx.df, ctx.an.final.from_inst.start_line, whole_file=False)
    if line is not None:
        return f"line {line}: `# dockerfix: ignore` above the stage's FROM"
    return None
