"""already-non-root: the final stage already ends as a non-root user; nothing to do.

The user the container runs as is the final stage's last `USER`, followed through names, uids,
`name:group` and `$VAR`s with ARG/ENV defaults, or, when the file sets none, its base image's
user (read from the image's configuration through the local engine, the cache or the registry).
When that user is not root, the file already does what dockerfix would do: it is left
byte-identical, which also makes a second run over a fixed file change nothing.

The evidence is the `USER` line, or the base image, its user and where that was read from
(distroless `:nonroot` images, Chainguard's, Bitnami's). Nothing is wrong, so `--force` does not
apply.
"""

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
