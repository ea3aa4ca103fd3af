"""Step 3's records: what a RUN's shell does (`ShellFacts` and the users, groups, chowns and
renames in it), the context a walk starts from (`ShellContext`), and the helpers that read a
command's words (`options`, `is_option`, ...), shared by the walk (`shell.py`) and the handlers of
what commands do (`shellwrite.py`, `shellusers.py`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping

from .record import dataclass, field

UNKNOWN = "\x00"  # marks the part of a word that comes from a variable or `$(…)` we cannot resolve


@dataclass(frozen=True)
class ShellContext:
    workdir: str = "/"
    workdir_root_owned: bool = True
    user_dirs: Collection[str] = ()  # normalised folders a non-root USER made; read, never copied
    env: Mapping = field(default_factory=dict)  # None: a variable without a value we can know


@dataclass(frozen=True)
class Finding:
    offset: int  # character offset into the script (0 for exec form)
    command: str
    reason: str


@dataclass
class CreatedUser:
    name: str
    uid: int | None = None
    group: str | None = None
    offset: int = 0
    spelled: str | None = None  # the name as written when it comes from a variable: `$USERNAME`
    tool_owner: bool = False  # created with no home and a shell that refuses logins (/bin/false)


@dataclass
class Chown:
    """A `chown OWNER PATHS` whose failure fails the build (so OWNER exists in the image)."""

    user: str  # the user part as expanded; "" for `chown :group`
    group: str | None
    paths: list[str]  # as expanded (relative ones joined to the working folder); UNKNOWN marks the unknown
    offset: int = 0
    spelled: str | None = None  # the user part as written, when it comes from a variable


@dataclass
class Rename:
    """`usermod -l NEW OLD` / `groupmod -n NEW OLD` (new None: `userdel OLD`); `uid`: `usermod -u`."""

    old: str
    new: str | None
    group: bool = False
    uid: int | None = None


@dataclass
class CreatedGroup:
    name: str
    gid: int | None = None
    offset: int = 0


@dataclass
class ShellFacts:
    root: list[Finding] = field(default_factory=list)
    users: list[CreatedUser] = field(default_factory=list)
    groups: list[CreatedGroup] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    installs_shadow: bool = False
    parse_error: bool = False
    # uids/gids given to users and groups whose names are only known at build time
    unnamed_ids: list[int] = field(default_factory=list)
    chowns: list[Chown] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    subid_users: list[str] = field(default_factory=list)  # users given subordinate ids (user namespaces)
    # commands that could only have succeeded as root (`proves_root`): a subset of `root`
    proofs: list[Finding] = field(default_factory=list)
    # folders `mkdir`/`install -d` create, and paths other commands write (both absolute and known):
    # a folder made and never filled by the build is made for the program's data
    made_dirs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)


class Memo:
    """Shell facts of RUN lines already read, by their text and everything the analysis reads
    (shell, working folder, variables, folders users made): the language server keeps one across
    edits, where an edit changes one instruction and the others need not be read again. Bounded
    (the oldest entries go first); owned by the caller, never module state. Facts are read-only
    once made, so one object may serve several analyses."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._facts: dict = {}

    def __len__(self) -> int:
        return len(self._facts)

    def get(self, key, compute):
        hit = self._facts.get(key)
        if hit is None:
            hit = compute()
            if len(self._facts) >= self.size:
                del self._facts[next(iter(self._facts))]
            self._facts[key] = hit
        return hit


def under(path: str, folders: Collection[str]) -> str | None:
    """The closest of `folders` (normalised absolute paths) that is `path` or holds it, or None.
    It walks up `path`'s parents, so with a set it costs the path's depth, not len(folders)."""
    while path not in folders:
        parent = posixpath.dirname(path)
        if parent == path:
            return None
        path = parent
    return path


def base(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def plain_var(raw: str | None) -> str | None:
    """`$NAME` or `${NAME}` (quotes dropped) as written, or None for anything else."""
    import re

    raw = (raw or "").strip("\"")
    return raw if re.fullmatch(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})", raw) else None


def is_option(a: str) -> bool:
    return a.startswith("-") and a != "-"


def options(args: list[str], with_value=frozenset(), grouped: bool = False) -> tuple[list[str], dict[str, str]]:
    """(positional arguments, options) of a command line; a flag maps to "". Options in
    `with_value` take the next word (or `--opt=value`). With `grouped`, short options are read the
    getopt way: `-u1000` is `-u 1000`, and `-SDu 1000` is `-S -D -u 1000`."""
    pos: list[str] = []
    opts: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos += args[i + 1:]
            break
        if a.startswith("--") and "=" in a:
            k, v = a.split("=", 1)
            opts[k] = v
        elif a in with_value and i + 1 < len(args):
            opts[a] = args[i + 1]
            i += 1
        elif grouped and a.startswith("-") and not a.startswith("--") and len(a) > 2 and a[:2] in with_value:
            opts[a[:2]] = a[2:]
        elif grouped and a.startswith("-") and not a.startswith("--") and len(a) > 2:
            for k, ch in enumerate(a[1:]):
                if "-" + ch in with_value:
                    rest = a[k + 2:]
                    if rest:
                        opts["-" + ch] = rest
                    elif i + 1 < len(args):
                        opts["-" + ch] = args[i + 1]
                        i += 1
                    break
                opts["-" + ch] = ""
        elif is_option(a):
            opts[a] = ""
        else:
            pos.append(a)
        i += 1
    return pos, opts
