"""volume-without-shell: the program's data folder is a VOLUME that an image with no shell cannot hand over.

A final stage on `scratch` (or a base with no shell: distroless, a static image) that declares
`VOLUME /var/lib/app` without the folder existing in the image, owned by someone: the engine
creates the volume's folder owned by root when a container starts, and a named volume copies
that owner. As root the program writes there; as a new user it cannot. dockerfix hands a data
folder to the new user with a `RUN mkdir ... && chown ...`, which needs a shell the image does
not have, so the change cannot be shown to work: the file is left alone, naming the VOLUME.

Fixable by making the folder in a builder stage and copying it with its owner (`COPY
--from=build --chown=65534:65534 /empty /var/lib/app`); a folder copied with `--chown` into the
VOLUME's path (or a folder above it) is such a hand-over. System folders (`VOLUME /etc/app`) are
not data folders: the fix warns about them instead.
"""

from __future__ import annotations

from ...snippets import writable_path

NAME = "volume-without-shell"
SUMMARY = "The image has no shell and declares a VOLUME for its data, which the new user could not write and which cannot be handed over without one."
EXAMPLE = 'FROM scratch\nCOPY --from=build /out/server /server\nVOLUME /var/lib/server\nENTRYPOINT ["/server"]'


def _handed_over(an, path: str) -> bool:
    """A COPY/ADD --chown puts a folder at `path` or above it."""
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd in ("copy", "add") and inst.flag("chown") and len(inst.value) >= 2:
                dest = inst.value[-1].rstrip("/") or "/"
                if dest == path or (dest != "/" and path.startswith(dest + "/")):
                    return True
    return False


def check(ctx) -> str | None:
    an = ctx.an
    base = an.base_image or (an.chain[0].image_raw if an.chain else "")
    if an.image.shell and (base or "").split(":")[0] != "scratch":
        return None
    for path, line in an.volumes:
        norm, why = writable_path(path)
        if why is None and not _handed_over(an, norm):
            return (f"line {line}: VOLUME {norm}, the program's data folder, in an image with no shell (base {base}): "
                    f"the engine creates it owned by root, so a new user cannot write it, and without a shell it "
                    f"cannot be created and handed over here; make it in a builder stage and COPY --chown it, "
                    f"then USER")
    return None
