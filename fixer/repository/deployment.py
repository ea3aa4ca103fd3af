"""What the repository's own deployments say about the user a fix should choose, and the bind
mounts a new user cannot write (used by plan after decide chose to fix).

- A Kubernetes manifest or Helm chart that runs the image with `runAsUser: N` (N > 0): the new
  user gets uid N (and `runAsGroup`, else `fsGroup`, else N as its gid), unless --uid was given.
- `runAsNonRoot: true` with no runAsUser: the kubelet refuses a USER it cannot verify as a number,
  so the USER is written numerically (as --numeric-user).
- A compose service, Kubernetes hostPath or `docker run -v` that bind-mounts a host folder onto
  the image's working folder, a VOLUME or a folder under them: the host folder keeps its owner, so
  the new user may not write it: a warning naming the file and line.
"""

from __future__ import annotations

import os
import posixpath
import re

from ..record import dataclass, field


@dataclass
class Settings:
    uid: int | None = None
    gid: int | None = None
    numeric: bool = False
    reasons: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    volumes: list = field(default_factory=list)  # (container path, why) of named volumes mounted by Docker


# a named volume's name (not a host path, not a variable): `appdata`, `lhci-data`
NAMED_VOLUME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def workdir(an) -> str | None:
    """The final stage's working folder (the analysis's, variables expanded; else its last WORKDIR)."""
    resolved = getattr(an, "workdir", None)
    if isinstance(resolved, str) and resolved.startswith("/") and "$" not in resolved:
        return None if resolved == "/" and getattr(an, "workdir_line", None) is None else posixpath.normpath(resolved)
    wd = None
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "workdir" and inst.args:
                arg = inst.args.strip().strip("'\"")
                wd = arg if arg.startswith("/") or wd is None else posixpath.join(wd, arg)
    return posixpath.normpath(wd) if wd else None


def volumes(an) -> list[str]:
    out = []
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "volume":
                out += [v.strip("'\"") for v in (inst.value if inst.json else inst.args.split()) if v.startswith(("/", "'/", '"/'))]
    return out


def under(path: str, folder: str | None) -> bool:
    if not folder or not path.startswith("/"):
        return False
    path, folder = posixpath.normpath(path), posixpath.normpath(folder)
    return path == folder or folder == "/" and False or path.startswith(folder.rstrip("/") + "/")


def settings(repo, dockerfile: str | None, an, valid_uid) -> Settings:
    """The settings the repository's deployments ask of a fix of `dockerfile`'s final stage;
    `valid_uid(n)`: whether n may be the new user's uid."""
    out = Settings()
    if repo is None or dockerfile is None:
        return out
    runs = repo.runs_of(os.path.realpath(dockerfile), an.final.name)
    runs = [r for r in runs if not r.init] + [r for r in runs if r.init]  # the program's own container first
    for r in runs:
        if r.run_as_user and valid_uid(r.run_as_user):
            out.uid = r.run_as_user
            gid = r.run_as_group or r.fs_group or r.run_as_user
            out.gid = gid if valid_uid(gid) else r.run_as_user
            out.numeric = bool(r.run_as_non_root)
            out.reasons.append(f"{r.where} runs it with runAsUser: {r.run_as_user}: the new user gets that uid")
            break
    else:
        for r in runs:
            if r.run_as_non_root:
                out.numeric = True
                out.reasons.append(f"{r.where} runs it with runAsNonRoot: true, which needs a numeric USER")
                break
    wd, vols = workdir(an), volumes(an)
    from .commands import file_mount, is_cwd

    # a named volume Docker mounts (compose, `docker run -v name:/data`, `--mount source=name,target=/data`):
    # a new volume takes the owner of the folder the image has at that path, root when it has none
    for r in runs:
        if r.kind not in ("compose", "docker-run") or (r.user and not re.match(r"^(?:root|0)(?::|$)", r.user.strip())):
            continue  # (a run as another user chose its own uid: the folder handed to the new user is not its)
        for source, target in r.volume_targets:
            if NAMED_VOLUME_RE.match(source or "") and target.startswith("/") and \
                    all(target != t for t, _ in out.volumes) and not any(under(target, v) for v in vols):
                out.volumes.append((posixpath.normpath(target), f"{r.where} mounts the named volume {source} at {target}"))

    for r in runs:
        for host, cont in r.mounts:
            if "docker.sock" in host or not cont.startswith("/") or (host, cont) in r.read_only or file_mount(host, cont):
                continue  # a read-only mount or a single file (a configuration, a certificate) is not written
            if any(under(cont, v) for v in vols) or (wd and wd != "/" and under(cont, wd)):
                whose = "the caller's checkout" if is_cwd(host) else "the host folder"
                where = f"{r.where.file}:{r.mount_lines.get((host, cont), r.where.line)}"
                out.warnings.append(f"{where} bind-mounts {host} onto {cont}, where the program writes: {whose} "
                                    f"keeps its owner, so the new user may not write it (chown it to the new uid, "
                                    f"or run the service with user:)")
                break
    return out
