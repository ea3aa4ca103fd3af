"""build-only: the repository only builds this Dockerfile, never runs it as a container.

Every build of the Dockerfile's final stage that the repository has (scripts, Makefiles, CI,
`docker/build-push-action`, bake targets) exports files or fills a cache: `--output`/`-o` to a
folder or tar, `type=cacheonly`, a bake target with `output = ["type=local,..."]`; none tags,
pushes or loads an image, and nothing in the repository runs it. Or its image is only a
`COPY --from` source of other Dockerfiles. Or its header says it is a builder ("used as a shared
build stage by ..."), it sets no ENTRYPOINT or CMD, and nothing in the repository runs it. A USER
there is noise, even when the stage carries an
ENTRYPOINT (a scratch stage holding a built package).
"""

from __future__ import annotations

import os
import re

NAME = "build-only"
SUMMARY = "The repository only builds the Dockerfile (`--output`, `type=cacheonly`, a bake `output`, a COPY --from source), never runs it."
EXAMPLE = "# Makefile\npackage:\n\tdocker build --output=type=local,dest=out ."


def check(ctx) -> str | None:
    repo = ctx.repository
    if repo is None or ctx.path is None:
        return None
    real = os.path.realpath(ctx.path)
    final = ctx.an.final.name
    builds = [b for b in repo.builds_of(real) if b.target is None or b.target == final]
    if repo.runs_of(real, final):
        return None
    if builds and not any(b.image for b in builds):
        exports = [b for b in builds if b.outputs]
        if exports:
            b = exports[0]
            return (f"{b.where} builds it with output {b.outputs[0]}: the stage is exported or cached, never run as "
                    f"a container")
    said = _builder_by_its_header(ctx)
    if said:
        return said
    if not builds or not any(b.image for b in builds if b.tags):
        return None
    copied = repo.copied_from(real)
    if copied and not repo.consumers_of(real):
        w = copied[0]
        return (f"{w} copies files out of its image (COPY --from): a source of files for other images, never run "
                f"as a container")
    return None


# a header naming the file a stage other builds use: "Used as a shared build stage by ...", "Builder image"
BUILDER_RE = re.compile(r"\b(?:build(?:er)?\s+stage|builder\s+(?:image|stage)|build[- ]only)\b", re.I)


def _builder_by_its_header(ctx) -> str | None:
    """The file's header says it is a build stage or builder for other builds, its chain sets no
    ENTRYPOINT or CMD, and nothing in the repository runs it: a source of built files."""
    from .generated_file import header

    an = ctx.an
    if any(i.cmd in ("entrypoint", "cmd") for stage in an.chain for i in stage.instructions):
        return None
    for line, text in header(ctx.df):
        if BUILDER_RE.search(text):
            return (f'line {line}: the header says it is a builder ("{text[:80]}"), it sets no ENTRYPOINT or CMD and '
                    f"nothing in the repository runs it: a source of built files, never run as a container")
    return None
