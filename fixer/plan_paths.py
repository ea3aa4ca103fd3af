"""Step 7 (plan), the writable paths and the warnings: which paths are created and handed to the
new user (the final stage's VOLUMEs that are data folders, the base image's, --writable), and what
the user should check after the fix (ENV pointing into /root, privileged ports, files copied
without --chown into folders the program writes)."""

from __future__ import annotations

from . import snippets
from .errors import DockerfixError
from .result import Result
from .stages import Analysis


def writable_refused(path: str, why: str) -> str:
    """The error for a --writable path that `snippets.writable_path` refused (`why`)."""
    if not snippets.PATH_RE.match(path):
        return f"--writable {path!r} must be an absolute path of letters, digits and ._/@+- only"
    if "'..'" in why:
        return f"--writable {path}: {path} {why}; write the path without them"
    return (
        f"--writable {path}: {path} {why}; only data folders can be handed to the new user "
        "(/var/lib/NAME, /var/log/NAME, /opt/NAME, /srv/NAME, /home/NAME, /data, /app/uploads, ...): "
        "owning a system folder would let it change what root trusts, such as /etc/passwd"
    )


def writable_paths(an: Analysis, options, result: Result) -> list[str]:
    """The paths to create and hand to the user: the final stage's VOLUMEs (as expanded) that are
    data folders, with a warning for each that is not, then --writable (refused before, if not)."""
    out: list[str] = []
    for path in an.image.volumes:  # the base image's own VOLUMEs, from its configuration
        norm, why = snippets.writable_path(path)
        if why is None and norm not in out:
            out.append(norm)
            result.reasons.append(f"base image {an.base_image} declares VOLUME {norm} ({an.image.facts_from})")
    for path, line in an.volumes:
        norm, why = snippets.writable_path(path)
        if why is None:
            if norm not in out:
                out.append(norm)
        elif not snippets.PATH_RE.match(path):
            result.warnings.append(
                f"line {line}: VOLUME {path!r} is not a plain absolute path; make sure the user can write it"
            )
        else:
            result.warnings.append(f"line {line}: VOLUME {path} {why}; not handed to the new user")
    for p in options.writable:
        norm, why = snippets.writable_path(p)
        if why is not None:
            raise DockerfixError(writable_refused(p, why))
        if norm not in out:
            out.append(norm)
    return out


def add_warnings(an: Analysis, writable: list, result: Result, handled=frozenset(), after: int = 0) -> None:
    if result.family != "windows":
        for name, path, line in an.root_envs:
            if (name, line) in handled:
                continue
            verb = "includes" if name.endswith("PATH") else "is"
            result.warnings.append(
                f"line {line}: ENV {name} {verb} {path}, which the new user cannot read (/root is root's home, "
                "mode 0700): move it under the user's home"
            )
    # the working folder is handed over alone (the code copied into it stays root's), and data
    # chowned with what is in it was copied before the block; a copy into the other folders is warned
    folders = [w for w in writable if isinstance(w, str)] + [
        w.path for w in writable if not isinstance(w, str) and w.create and not w.recursive and w.path != an.workdir]
    for dest, line in an.copies_no_chown:
        for w in folders:
            if dest == w or dest.startswith(w.rstrip("/") + "/"):
                result.warnings.append(
                    f"line {line}: files copied into {dest} without --chown stay owned by root, "
                    f"but the program writes {w}; add --chown to that COPY"
                )
