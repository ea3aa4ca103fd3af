"""Which of a repository's Dockerfiles build FROM the image another of its Dockerfiles builds.

A query over the repository model (`fixer.repository`): the images a Dockerfile produces (compose
`image:` beside `build:`, bake targets' `tags`, `docker build -t` in Makefiles, scripts and CI,
`docker/build-push-action` tags) compared, by repository path without registry or tag, with the
`FROM` lines of the repository's other Dockerfiles. A `FROM` of a stage of the same file does not
count; names still holding an unresolved variable are not compared. Where one image name has a
Dockerfile per literal tag (`acme/app:base` from Base.Dockerfile, `acme/app:1` from Dockerfile),
a `FROM` of another Dockerfile's tag is that one's consumer.
"""

from __future__ import annotations

import os


def consumer(ctx) -> str | None:
    """The reason when another Dockerfile of the repository builds FROM this Dockerfile's image."""
    repo = ctx.repository
    if repo is None or ctx.path is None:
        return None
    me = os.path.realpath(ctx.path)
    from ...repository import image_path, image_tag

    named = {}
    for name, where in repo.images_of(me):
        p = image_path(name)
        if p:
            named.setdefault(p, f"per {where.file}")
    if not named and not repo.main_dockerfile(me):
        # no build names it: the image named after its folder under the repository's name
        named = {p: f"named after its folder {os.path.basename(os.path.dirname(me))}" for p in repo.image_paths_of(me)}
    for p, where, real, ref in repo.froms:
        # the name as built, or without its owner (`${{ github.repository }}-base` is read as `app-base`)
        mine = p if p in named else next((q for q in named if "/" not in q and p.rsplit("/", 1)[-1] == q), None)
        if mine and real != me and not repo.others_tag(me, p, image_tag(ref)):
            return (f"line {where.line} of {where.file} builds FROM {ref} (this Dockerfile's image, "
                    f"{named[mine]}): a base image others build on; they choose the USER")
    for where, ref, passed in repo.context_consumers(me):
        return (f"line {where.line} of {where.file} builds FROM {ref}, which {passed} passes as this Dockerfile's "
                f"image (a named build context): a base image others build on; they choose the USER")
    return None
