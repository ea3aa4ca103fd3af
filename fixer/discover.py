"""Which files a run processes: the Dockerfiles named on the command line and those found under
the folders named (the command line's discovery, before the pipeline runs on each). Which files
are Dockerfiles and which folders a walk skips is shared with the repository scan of the rules,
which sit in a lower layer (pyproject.toml's `[tool.importlinter]`): this module imports nothing
above `errors`."""

from __future__ import annotations

import errno
import fnmatch
import os
import sys

from .errors import DockerfixError

NAME_PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")
NOT_DOCKERFILES = ("*.dockerignore", "*.containerignore")
SKIP_DIRS = frozenset(
    (".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv")
)



def is_dockerfile_name(name: str) -> bool:
    if any(fnmatch.fnmatchcase(name, p) for p in NOT_DOCKERFILES):
        return False
    return any(fnmatch.fnmatchcase(name, p) for p in NAME_PATTERNS)


def copy_sources(root: str, src: str) -> list[str]:
    """The paths under the build context `root` that a COPY or ADD source names, sorted: its
    wildcards (`*`, `?`, `[...]`) matched one path segment at a time, case-sensitively and dot
    files included, as BuildKit's Go `filepath.Match` does. Paths are joined, not resolved:
    callers confine them to the context. (The glob module would do nearly this, hiding dot files,
    at ~3 ms of imports per start.)"""
    rel = src.lstrip("/")
    if not any(c in rel for c in "*?["):
        path = os.path.join(root, rel)
        return [path] if os.path.lexists(path) else []
    found = [root]
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        if not any(c in part for c in "*?["):
            found = [p for p in (os.path.join(f, part) for f in found) if os.path.lexists(p)]
            continue
        step = []
        for folder in found:
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            step += [os.path.join(folder, n) for n in names if fnmatch.fnmatchcase(n, part)]
        found = step
    return sorted(found)


def discover(paths: list[str], finder=None, force_exclude: bool = False, verbose: bool = False,
             quiet: bool = False) -> list[str]:
    """Files named on the command line, and Dockerfiles found under folders (sorted, skipping
    VCS folders, node_modules, virtualenvs and the configuration's `exclude` globs). Files named
    on the command line are excluded only with --force-exclude (as in ruff and black).

    A file reached by two names (a symlink, `./x` and `x`, a folder and a file in it) is listed
    once, under the first name given (of those found in one folder, the file itself before a
    link to it): one patch and one write per real file. A dangling symlink or a symlink loop
    found in a folder is skipped with a note; named on the command line, it is an error."""

    def excluded(path: str, is_dir: bool = False) -> bool:
        if finder is None:
            return False
        try:
            cfg = finder.for_folder(path) if is_dir else finder.for_path(path)
            return cfg.excludes(path)
        except DockerfixError:
            return False  # the file is kept: processing it reports the broken configuration

    def note(message: str) -> None:
        if not quiet:
            print(f"dockerfix: {message}", file=sys.stderr)

    def broken_link(path: str) -> str | None:
        if not os.path.islink(path):
            return None
        try:
            os.stat(path)
        except OSError as e:
            return "symlink loop" if e.errno == errno.ELOOP else "dangling symlink"
        return None

    out: list[str] = []
    first_name: dict[str, str] = {}  # real path -> the name it is processed under

    def add(names: list[str]) -> None:
        kept = set()
        for name in sorted(names, key=os.path.islink):  # stable: links last
            real = os.path.realpath(name)
            if real not in first_name:
                first_name[real] = name
                kept.add(name)
            elif verbose:
                note(f"{name}: the same file as {first_name[real]}, processed once")
        out.extend(n for n in names if n in kept)

    for p in paths:
        if p == "-":
            out.append(p)
            continue
        if not os.path.isdir(p):
            if not (force_exclude and excluded(p)):
                add([p])
            continue
        found: list[str] = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(
                d for d in dirs
                if d not in SKIP_DIRS and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))
                and not excluded(os.path.join(root, d), is_dir=True)
            )
            for f in files:
                path = os.path.join(root, f)
                if not is_dockerfile_name(f) or excluded(path):
                    continue
                broken = broken_link(path)
                if broken:
                    note(f"skipping {broken} {path}")
                else:
                    found.append(path)
        if not found:
            print(f"dockerfix: no Dockerfiles found under {p}", file=sys.stderr)
        add(sorted(found))
    return out
