"""`--verify` learns what the program writes (issue 22, item 1).

The original image is run as it runs, exercised (a GET / on each EXPOSEd port, the
`--verify-probe` commands run inside the running container), stopped the way engines stop a
container (SIGTERM, then a grace period), and what it changed is read: `docker diff`/`podman diff`,
or, with buildah, the working container's root compared before and after. The paths it created,
changed or removed outside /tmp, /var/tmp, /dev, /proc, /sys and /run/secrets (and the files the
engine itself writes: /etc/hosts, /etc/resolv.conf, ...) are its write set.

The fixed image must write the same paths (a path in the original's working folder is compared
in the fixed image's working folder when the fix gives it one) and print no "Permission denied"
or EACCES. When it does not, each path is handed to the new user (`handover`): the file when the
image has it, else its nearest folder the image has; `snippets.writable_path` refuses system
folders, and refusals are reported.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from . import recache

EXCLUDED = ("/tmp", "/var/tmp", "/dev", "/proc", "/sys", "/run/secrets")
# what engines make in every container: its name files, and the mount points /run, /dev, /proc,
# /sys when the image lacks them (buildah makes /run in an image without one)
ENGINE_FILES = frozenset(("/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run/.containerenv", "/.dockerenv",
                          "/run", "/var/run"))
DENIED = recache.compile(r"Permission denied|\bEACCES\b|\[Errno 13\]")


def excluded(path: str) -> bool:
    return path in ENGINE_FILES or any(path == p or path.startswith(p + "/") for p in EXCLUDED)


# --- reading the changes ------------------------------------------------------------------------


def snapshot(root: str) -> dict[str, tuple]:
    """Every path under `root` (a container's root file system), as seen from inside it, with its
    type, size, modification time, mode and owner; the excluded trees are not walked."""
    out: dict[str, tuple] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            entries = list(os.scandir(root + rel or "/"))
        except OSError:
            continue
        for e in entries:
            path = rel + "/" + e.name
            if excluded(path):
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            out[path] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_mode, st.st_uid, st.st_gid,
                         st.st_ino)
            if stat.S_ISDIR(st.st_mode):
                stack.append(path)
    return out


def compare(before: dict[str, tuple], after: dict[str, tuple]) -> list[tuple[str, str, bool]]:
    """(kind, path, is a folder) between two snapshots, as `docker diff` lists them (A added, C
    changed, D deleted), and R for a file replaced by another (a new inode: `sed -i`, an atomic
    rewrite), which needs its folder writable, not only the file."""
    out = [("A", p, stat.S_ISDIR(v[0])) for p, v in after.items() if p not in before]
    out += [("R" if v[6] != before[p][6] and not stat.S_ISDIR(v[0]) else "C", p, stat.S_ISDIR(v[0]))
            for p, v in after.items() if p in before and before[p] != v]
    out += [("D", p, stat.S_ISDIR(v[0])) for p, v in before.items() if p not in after]
    return sorted(out, key=lambda c: c[1])


def parse_diff(text: str) -> list[tuple[str, str, bool]]:
    """`docker diff` / `podman diff` output: `A /path`, `C /path`, `D /path` (folders unknown: a
    changed path with a changed path below it is taken as a folder)."""
    rows = []
    for line in text.splitlines():
        kind, _, path = line.strip().partition(" ")
        if kind in ("A", "C", "D") and path.startswith("/"):
            rows.append((kind, posixpath.normpath(path)))
    paths = {p for _, p in rows}
    return sorted(((k, p, any(q.startswith(p.rstrip("/") + "/") for q in paths)) for k, p in rows), key=lambda c: c[1])


def write_set(changes: list[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """(kind, path) of what the program wrote: the deepest changed paths (a folder changes when
    something in it is added or removed: the entry is what was written), outside the excluded
    trees and the engine's own files; a folder changed with nothing changed below it is dropped
    (its entries were made and removed again, or only its time changed)."""
    paths = [p for _, p, _ in changes]
    out = []
    for kind, p, is_dir in changes:
        if excluded(p) or p == "/":
            continue
        below = any(q.startswith(p.rstrip("/") + "/") for q in paths)
        if below or (kind in ("C", "R") and is_dir):
            continue
        out.append((kind, p))
    return out


# --- comparing and handing over -------------------------------------------------------------------


def mapped(path: str, kind: str, changes: list[tuple[str, str, bool]], orig_wd: str, fixed_wd: str) -> str:
    """Where the fixed image writes what the original wrote at `path`: the same place, unless the
    fix gives the program another working folder and `path` is one the program made in the
    original's working folder (its top entry there is new: written by relative path)."""
    orig_wd, fixed_wd = orig_wd or "/", fixed_wd or "/"
    if orig_wd == fixed_wd or not (path.startswith(orig_wd.rstrip("/") + "/")):
        return path
    rel = path[len(orig_wd.rstrip("/")) + 1:]
    top = orig_wd.rstrip("/") + "/" + rel.split("/")[0]
    added = {p for k, p, _ in changes if k == "A"}
    if top in added:
        return posixpath.join(fixed_wd, rel)
    return path


def handover(learnt: list[tuple[str, str]], changes: list[tuple[str, str, bool]]):
    """(folders, files, refused) to hand to the new user for the write set `learnt`: a path the
    image has (changed) is handed itself, as a folder or a file; one the program made (added) or
    removed, through its nearest folder the image has. refused: (path, what would be handed, why)
    for system folders."""
    from . import snippets

    added = {p for k, p, _ in changes if k == "A"}
    folders_of = {p for _, p, d in changes if d}
    folders: list[str] = []
    files: list[str] = []
    refused: list[tuple[str, str]] = []
    for kind, path in learnt:
        target, is_dir = path, path in folders_of
        if kind != "C":
            target = posixpath.dirname(path)
            while target in added and target != "/":
                target = posixpath.dirname(target)
            is_dir = True
        norm, why = snippets.writable_path(target)
        if why is not None:
            refused.append((path, target, why))
            continue
        (folders if is_dir else files).append(norm)
    return list(dict.fromkeys(folders)), list(dict.fromkeys(files)), refused


def missing(orig: list[tuple[str, str]], fixed: list[tuple[str, str]], changes, orig_wd: str,
            fixed_wd: str) -> list[str]:
    """The paths the original wrote that the fixed image did not (compared where it writes them)."""
    got = {p for _, p in fixed}
    return [p for kind, p in orig if mapped(p, kind, changes, orig_wd, fixed_wd) not in got]


def denied(output: str) -> str | None:
    """The first line of the output that says a write was refused, or None."""
    for line in output.splitlines():
        if DENIED.search(line):
            return line.strip()
    return None
