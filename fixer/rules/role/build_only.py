"""build-only: the repository only builds this Dockerfile, never runs it as a container.

Every build of the Dockerfile's final stage that the repository has (scripts, Makefiles, CI,
`docker/build-push-action`, bake targets) exports files or fills a cache: `--output`/`-o` to a
folder or tar, `type=cacheonly`, a bake target with `output = ["type=local,..."]`; none tags,
pushes or loads an image, and nothing in the repository runs it. Or its image is only a
`COPY --from` source of other Dockerfiles. A USER there is noise, even when the stage carries an
ENTRYPOINT (a scratch stage holding a built package).
"""

from __future__ import annotations

import os

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
    if not builds or not any(b.image for b in builds if b.tags):
        return None
    copied = repo.copied_from(real)
    if copied and not repo.consumers_of(real):
        w = copied[0]
        return (f"{w} copies files out of its image (COPY --from): a source of files for other images, never run "
                f"as a container")
    return None
