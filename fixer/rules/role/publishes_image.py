"""publishes-image: the repository publishes this image for others to build on.

What only the repository says (the file itself may carry no header):
- its README or docs show users writing `FROM <this image>` (the image named where the repository
  builds this Dockerfile: compose `image:`, bake, `docker build -t`, build-push-action tags, or the
  repository's own name for its only Dockerfile);
- the Dockerfile is one of several per-version variants (`5.2/slim-bookworm/Dockerfile` beside
  `5.40/slim-bookworm/Dockerfile`) and the repository renders them from a template or a generator
  (`apply-templates.sh`, `generate*.pl`, `update.sh` that writes Dockerfiles, `Dockerfile.template`,
  `*.tpl`, a `templates/` folder), or CI pushes one image per matrix entry, or the docs show users
  building FROM the image named after the repository (`tool` for `tool-docker` or `docker-tool`).
Users then write `FROM thatimage` + `RUN apt-get/cpanm/docker-php-ext-install`, which need root:
a USER in the published image breaks every one of them, whatever its CMD.
"""

from __future__ import annotations

import os

NAME = "publishes-image"
SUMMARY = "An image the repository publishes for others (docs show `FROM` it; per-version variants rendered from a template or pushed as a CI matrix)."
EXAMPLE = "# 5.40/bookworm/Dockerfile beside 5.38/bookworm/Dockerfile, rendered by apply-templates.sh"


def check(ctx) -> str | None:
    repo = ctx.repository
    if repo is None or ctx.path is None:
        return None
    real = os.path.realpath(ctx.path)
    for kind, where, ref in repo.consumers_of(real):
        if kind == "docs":
            return (f"{where} shows users building FROM {ref}, this Dockerfile's image: an image published for others "
                    f"to build on; their RUN steps need root, so they choose the USER")
    version = repo.variant_layout(real)
    if version is None:
        return None
    rel = repo.rel(real)
    if repo.generators:
        names = list(dict.fromkeys(g.file for g in repo.generators))
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        return (f"{rel} is one of the per-version variants ({version}/...) that the repository renders from templates "
                f"or a generator ({shown}): images published for others to build FROM; edit the template, and leave "
                f"the USER to their users")
    from ...repository import names_image

    for _p, where, ref in repo.doc_froms:
        if names_image(repo, ref):
            return (f"{rel} is one of the per-version variants ({version}/...) of the image {where} shows users "
                    f"building FROM ({ref}): images published for others to build on, whose users choose the USER")
    if repo.publish_ci:
        return (f"{rel} is one of the per-version variants ({version}/...) that {repo.publish_ci[0]} pushes as a "
                f"matrix of tags: images published for others to build FROM, whose users choose the USER")
    return None
