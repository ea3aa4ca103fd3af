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


def apart(anchor, cmds: list[str], writable: list) -> list[str]:
    """`cmds` for a RUN right after `anchor`, in two commands when `anchor` is a RUN and `cmds` one:
    two consecutive RUNs of one command each are hadolint's DL3059 ("consider consolidation"), which
    the file did not have and which fails a lint job at hadolint's default threshold. The chown of
    folders is preceded by their `mkdir -p` (they exist: a no-op), that of a file followed by
    `chmod u+rw` (what the program needs of it; its mode already says so, as a rule)."""
    if len(cmds) != 1 or anchor.cmd != "run":
        return cmds
    items = [(p, True) if isinstance(p, str) else (p.path, p.create or p.recursive or p.line > 0) for p in writable]
    folders = [p for p, folder in items if folder]
    if folders:
        return [f"mkdir -p {' '.join(folders)}", *cmds]
    return [*cmds, f"chmod u+rw {' '.join(p for p, _ in items)}"]
