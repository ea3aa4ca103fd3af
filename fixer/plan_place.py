"""Step 7 (plan), placing the block: the instruction the user block follows, moved below what must
still run as root, and the block's lines in the file's own syntax (escape character, shell or JSON
form)."""

from __future__ import annotations

from .parse import Dockerfile
from .result import Result
from .stages import Analysis


def move_below(an: Analysis, anchor, line: int, what: str, result: Result):
    """The instruction of the final stage that holds `line`, when it comes after `anchor`: the block
    follows it (each instruction in between ran as root in the original file too)."""
    if line <= anchor.end_line:
        return anchor
    for inst in an.final.instructions:
        if inst.start_line <= line <= inst.end_line:
            result.reasons.append(f"line {inst.start_line}: the user block follows it, after {what}")
            return inst
    return anchor


def blank_or_end(df: Dockerfile, line: int) -> bool:
    lines = df.source.lines
    return line > len(lines) or not lines[line - 1].strip()


def run_lines(an: Analysis, cmds: list[str]) -> list[str]:
    """One RUN instruction, one command per line, in the file's own escape character."""
    if not cmds:
        return []
    from .stages import _is_posix_shell

    if not _is_posix_shell(an.shell):
        import json

        script = " && ".join(" ".join(p.strip() for p in c.split("\n")) for c in cmds)
        return ["RUN " + json.dumps(["/bin/sh", "-c", script])]
    esc = an.escape
    text = cmds[0] + "".join(f"\n    && {c}" for c in cmds[1:])
    parts = text.split("\n")
    return [f"RUN {parts[0]} {esc}"] + [f"{p} {esc}" for p in parts[1:-1]] + [parts[-1]] if len(parts) > 1 else [f"RUN {parts[0]}"]
