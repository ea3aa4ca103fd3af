"""root-on-purpose: the final stage ends with an explicit USER root that only chooses the container's user.

`USER root` (or `0`) whose only effect is the user the container runs as: no RUN follows it in the
final stage, so it was not written to install or set up something as root, and the file shows it
was written on purpose:
- a non-root user was in effect before it (an earlier USER of the final stage's chain, or the base
  image's own non-root user): the author switched back to root for the runtime;
- a comment right above it gives the reason (`# Docker actions must run as
  root`, a link to a platform's rule, `# run as root so we can write the output volume`);
- another stage of the same file runs as a non-root USER: the author knows how to drop root and
  chose root for the final stage.
Appending another USER would undo that choice. A `USER root` followed by a RUN (switching up to
install packages, then forgetting to switch back) is not this rule's: dockerfix switches back to
the earlier user after the last such RUN. A bare `USER root` with none of this evidence is fixed.
"""

from __future__ import annotations

import re

from ... import lazyre
from ...stages import is_root_user

NAME = "root-on-purpose"
SUMMARY = ("The final stage ends with USER root and no RUN after it, after non-root steps, under a comment giving "
           "the reason, or where another stage runs as a non-root user.")
EXAMPLE = "FROM debian:bookworm-slim\nRUN useradd --system app\nUSER app\nRUN make\nUSER root\nCMD [\"/app/run\"]"

MAX_COMMENT = 8  # comment lines read above the USER line
# a comment that is a directive to a parser or a linter, not a reason: `syntax=...`, `hadolint
# ignore=DL3008`, `trivy:ignore:AVD-DS-0002`, `checkov:skip=CKV_DOCKER_3`, `nosemgrep: ...`, `noqa`
DIRECTIVE_RE = lazyre.compile(r"^(?:(?:syntax|escape|check)\s*=|[\w.-]+[\s:]+(?:ignore|disable|skip|nosec)\b"
                              r"|no(?:semgrep|qa|sec)\b)|\b(?:ignore|skip|disable)=", re.I)


def comment_above(df, line: int) -> tuple[int, str] | None:
    """(line, text) of the comment block right above the instruction on `line` (no blank line
    between): its first line with words (parser directives are not comments)."""
    lines = df.source.lines
    found = None
    n = line - 1
    while n >= 1 and line - n <= MAX_COMMENT:
        text = lines[n - 1].strip(" \t\r\n\ufeff")
        if not text.startswith("#"):
            break
        words = text.lstrip("#").strip()
        if words and not DIRECTIVE_RE.search(words):
            found = (n, words)
        n -= 1
    return found


def nonroot_elsewhere(ctx) -> tuple[int, str] | None:
    """(line, user) of a USER naming a non-root user in a stage outside the final stage's chain."""
    chain = {id(s) for s in ctx.an.chain}
    for stage in ctx.stages.stages:
        if id(stage) in chain:
            continue
        for inst in stage.instructions:
            if inst.cmd == "user" and inst.args and "$" not in inst.args and not is_root_user(inst.args.strip()):
                return inst.start_line, inst.args.strip()
    return None


def check(ctx) -> str | None:
    an = ctx.an
    last = an.last_user_inst
    # written as root or 0: a user the file made uid 0 (`useradd -o -u 0 svc`) is root by accident, not a choice
    if last is None or an.user.line != last.start_line or not is_root_user(an.user.value or ""):
        return None
    if any(inst.cmd == "run" and inst.start_line > last.start_line for inst in an.final.instructions):
        return None
    head = f"line {last.start_line}: USER {last.args}"
    before = [u for u in an.nonroot_users if u.line is None or u.line < last.start_line]
    if before:
        u = before[-1]
        where = f"line {u.line}: USER {u.raw}" if u.line else f"base image {an.base_image} runs as {u.value}"
        return (f"{head} switches back to root after non-root steps ({where}), and no RUN follows it: the author "
                f"chose root for the container; add a USER yourself if that is not so")
    said = comment_above(ctx.df, last.start_line)
    if said:
        return (f'{head} is explained by the comment on line {said[0]} ("{said[1][:100]}"), and no RUN follows it: '
                f"the author chose root for the container; add a USER yourself if that is not so")
    other = nonroot_elsewhere(ctx)
    if other:
        return (f"{head} ends the final stage, and no RUN follows it, while line {other[0]} runs another stage as "
                f"USER {other[1]}: the author chose root for the container; add a USER yourself if that is not so")
    return None
