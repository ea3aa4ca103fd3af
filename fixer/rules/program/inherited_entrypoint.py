"""inherited-entrypoint: the image starts FROM another image of the same repository, keeps its
entrypoint, and that entrypoint needs root.

A Dockerfile whose final stage builds FROM an image the repository builds from another of its
Dockerfiles (matched by the names its builds, compose files and scripts tag it with, as for
`base-image`; an image named after the repository that no build names is the variant folder its
tag names, else the first of the repository's family of variants) and sets no `ENTRYPOINT` of its
own runs that image's entrypoint: an example or a variant that adds packages, plugins or init
scripts to the repository's database or web image. When the program rules find that the other
Dockerfile's entrypoint needs root at start (it drops privileges itself, must start as root,
rewrites the configuration the build copied as root, runs from root's home, is executable by root
alone, or relies on state in root's home; whatever else decides that file), a USER added here
breaks the same entrypoint. The reason names the FROM line, the other Dockerfile and the finding.
Followed through at most three of the repository's own images.
"""

from __future__ import annotations

NAME = "inherited-entrypoint"
SUMMARY = "The image builds FROM another image of the same repository and keeps its entrypoint, which needs root."
EXAMPLE = ("# db/Dockerfile: ENTRYPOINT [\"docker-entrypoint.sh\"] (drops to mysql with gosu), built as acme/db\n"
           "FROM acme/db:1.2\nRUN apt-get update && apt-get install -y curl")

# the parent's rules that are about what its ENTRYPOINT/CMD does at start
PROGRAM_RULES = frozenset(("drops-privileges", "starts-as-root", "rewrites-root-config", "needs-root-home",
                           "owner-only-exec", "state-in-root-home", "inherited-entrypoint"))


def check(ctx) -> str | None:
    an = ctx.an
    if an.entrypoint is not None:
        return None  # its own entrypoint: its own analysis decides
    found = ctx.parent()
    if found is None:
        return None
    up, line = found
    from_decision = ctx.decide_other(up, PROGRAM_RULES)
    leave = from_decision.leave
    if leave is None or leave.rule not in PROGRAM_RULES:
        return None
    rel = ctx.repository.rel(up.path) if ctx.repository is not None else up.path
    return (f"line {line} builds FROM {an.base_image}, which {rel} of this repository builds, and keeps its entrypoint, "
            f"which needs root there ({leave.rule}): {rel} {leave.reason}")
