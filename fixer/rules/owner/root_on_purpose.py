"""root-on-purpose: the final stage ran as a non-root user and then chose root for the container.

`USER root` whose only effect is the user the container runs as: a non-root user was in effect
before it (an earlier USER of the final stage's chain, or the base image's own non-root user),
and no RUN follows it in the final stage, so it was not written to install or set up something
as root. The author chose root for the runtime; appending another USER would undo that choice.
A `USER root` followed by a RUN (switching up to install packages, then forgetting to switch
back) is not this rule's: dockerfix switches back to the earlier user after the last such RUN.
"""

from __future__ import annotations

from ...stages import is_root_user

NAME = "root-on-purpose"
SUMMARY = "The final stage switches back to root after non-root steps, and nothing after that USER root needs root at build time."
EXAMPLE = "FROM debian:bookworm-slim\nRUN useradd --system app\nUSER app\nRUN make\nUSER root\nCMD [\"/app/run\"]"


def check(ctx) -> str | None:
    an = ctx.an
    last = an.last_user_inst
    # written as root or 0: a user the file made uid 0 (`useradd -o -u 0 svc`) is root by accident, not a choice
    if last is None or an.user.line != last.start_line or not is_root_user(an.user.value or ""):
        return None
    if any(inst.cmd == "run" and inst.start_line > last.start_line for inst in an.final.instructions):
        return None
    before = [u for u in an.nonroot_users if u.line is None or u.line < last.start_line]
    if not before:
        return None
    u = before[-1]
    where = f"line {u.line}: USER {u.raw}" if u.line else f"base image {an.base_image} runs as {u.value}"
    return (f"line {last.start_line}: USER {last.args} switches back to root after non-root steps ({where}), and no RUN "
            f"follows it: the author chose root for the container; add a USER yourself if that is not so")
