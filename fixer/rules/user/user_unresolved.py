"""user-unresolved: the final stage's USER names a value dockerfix cannot know (an ARG without default).

`USER $RUN_AS` with `ARG RUN_AS` and no default is decided by whoever builds the image
(`--build-arg RUN_AS=...`): it may be root or not, and a second `USER` would override the
builder's choice. dockerfix cannot tell whether the container runs as root, so it leaves the
file alone and says which `USER` line it could not resolve.

`--force` cannot override it: give the ARG a default (`ARG RUN_AS=app`), which dockerfix then
follows, or remove the `USER` line to have dockerfix add its own user.
"""

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
