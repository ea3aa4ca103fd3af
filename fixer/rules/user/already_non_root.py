"""already-non-root: the final stage already ends as a non-root user; nothing to do."""

from __future__ import annotations

from ...stages import describe_user

NAME = "already-non-root"
SUMMARY = "The final stage already runs as a non-root user (its own USER, or its base image's)."
EXAMPLE = "FROM debian:bookworm-slim\nRUN useradd --system app\nUSER app"
OVERRIDABLE = False


def check(ctx) -> str | None:
    an = ctx.an
    if an.user.is_root is False:
        if an.user.line is None and an.image.facts_from not in ("", "knowledge file"):  # known from its config
            return f"base image {an.base_image} runs as {an.user.value} ({an.image.facts_from}), not root"
        return f"the final stage already runs as {describe_user(an.user)}, not root"
    return None
