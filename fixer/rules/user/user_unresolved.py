"""user-unresolved: the final stage's USER names a value dockerfix cannot know (an ARG without default)."""

from __future__ import annotations

NAME = "user-unresolved"
SUMMARY = "The final stage's USER cannot be resolved here (an ARG without a default), so whether it is root is unknown."
EXAMPLE = "FROM debian:bookworm-slim\nARG RUN_AS\nUSER $RUN_AS"
OVERRIDABLE = False


def check(ctx) -> str | None:
    u = ctx.an.user
    if u.is_root is None:
        return (f"the final stage's user {u.raw!r} (line {u.line}) cannot be resolved here; "
                "dockerfix cannot tell whether it is root")
    return None
