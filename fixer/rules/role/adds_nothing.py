"""adds-nothing: the file adds nothing to its base image but a name.

A final stage made of `FROM` alone (with `ARG`, `LABEL` or `MAINTAINER` at most: `ARG
VERSION` + `FROM vendor/search:${VERSION}`, or `FROM openjdk:10-jre-slim` that a script tags
`java` for the repository's other images) runs its base image's own program as the base image's
own user, or is a name the repository's other images build FROM. Either way the base decides the
user: a USER here only overrides what the base chose (a service image that already runs as its own
user, or a base whose children install packages). Nothing in the file needs root, so there is
nothing to fix in it.
"""

from __future__ import annotations

NAME = "adds-nothing"
SUMMARY = "The file is FROM alone (ARG, LABEL at most): the base image's program and user, or a name for other images to build on."
EXAMPLE = "ARG ELASTIC_VERSION\nFROM docker.elastic.co/elasticsearch/elasticsearch:${ELASTIC_VERSION}"

ONLY = ("arg", "label", "maintainer")


def check(ctx) -> str | None:
    an = ctx.an
    if not an.chain or (an.base_image or "").split(":")[0] == "scratch":
        return None
    if any(inst.cmd not in ONLY for stage in an.chain for inst in stage.instructions):
        return None
    base = an.base_image or an.chain[0].image_raw
    return (f"line {an.chain[-1].from_inst.start_line}: the file adds nothing to its base image {base} (only FROM, "
            f"ARG or LABEL): the image runs {base}'s own program as its own user, or is a name for images built on "
            f"it; the base decides the USER")
