"""Step 3's knowledge: what each command does, read from `data/commands.toml`.

The walk in `shell.py` looks each program up here (`lookup`) and applies what its entry says:
a package manager and its Linux family, a user tool, a tool that needs root (and whether its
success proves the RUN ran as root), a wrapper that runs another program, a shell, a program that
only reads, or the handler that finds what it writes. Every entry names its source. The file is
read once, from its JSON copy when fresh (`datafiles`), on the first RUN a file has.

Privilege-drop tools (gosu, su-exec, setpriv --reuid, ...) are command knowledge too: image facts
(`facts.merge`: an image's history and entrypoint) and the `drops-privileges` rule both read them
from here (`DROP_RE`, `INSTALL_DROP_RE`, `drop_tool`), so neither imports the other.
"""

from __future__ import annotations

from . import lazyre
from .record import dataclass

KEYS = frozenset((
    "source", "family", "query", "read_only", "options_decide", "read_only_prefixes", "change_prefixes",
    "show_operand", "shadow_anywhere", "user_tool", "proves", "with_value", "busybox_with_value", "root",
    "handler", "drops_privileges", "drop_path", "installed_names", "elevates", "wrapper", "assignments", "skip",
    "all", "default_command", "reads", "shell", "builtin", "alias_of", "filler", "moves", "makes_dirs",
    "sets_owner", "versions", "prefixes",
))


@dataclass(frozen=True)
class Command:
    """One `[command.NAME]` entry (see the comments in data/commands.toml)."""

    name: str
    source: str
    # package managers
    family: str | None = None
    query: bool = False
    read_only: frozenset = frozenset()
    options_decide: bool = False
    read_only_prefixes: tuple = ()
    change_prefixes: tuple = ()
    show_operand: bool = True
    shadow_anywhere: frozenset = frozenset()
    # users and groups: the parser's name ("" for none), or None for no user tool
    user_tool: str | None = None
    proves: bool = False
    with_value: frozenset = frozenset()
    busybox_with_value: frozenset = frozenset()
    # root tools
    root: str | None = None
    handler: str | None = None
    drops_privileges: str | None = None
    drop_path: bool = True
    installed_names: tuple = ()
    # programs that run programs
    elevates: bool = False
    wrapper: bool = False
    assignments: bool = False
    skip: int = 0
    all: bool = False
    default_command: str | None = None
    shell: bool = False
    # the shell's own state, readers
    builtin: str | None = None
    alias_of: str | None = None
    reads: bool = False
    # writers
    filler: bool = False
    moves: bool = False
    makes_dirs: frozenset = frozenset()
    sets_owner: frozenset = frozenset()
    versions: tuple = ()
    prefixes: tuple = ()


class Knowledge:
    """The contents of commands.toml. A command's entry becomes a `Command` when first looked up
    (a file's RUNs call a few dozen programs of the ~270 known: building every record would cost
    about a millisecond a run)."""

    def __init__(self, data: dict):
        self.raw: dict = data.get("command", {})
        for name, entry in self.raw.items():
            unknown = entry.keys() - KEYS
            if unknown:
                raise ValueError(f"commands.toml: [command.{name}] has unknown keys {sorted(unknown)}")
        self.built: dict[str, Command] = {}
        # (prefix, numbered, name): `pip3.12` (numbered: a number must follow the prefix), `python3.x`
        self.named = tuple((p, numbered, name) for name, entry in self.raw.items()
                           if "versions" in entry or "prefixes" in entry
                           for numbered, key in ((True, "versions"), (False, "prefixes")) for p in entry.get(key, ()))
        pm = data.get("package_managers", {})
        paths = data.get("paths", {})
        self.pm_changes = frozenset(pm.get("changes", ()))
        self.shadow_packages = frozenset(pm.get("shadow_packages", ()))
        self.install_verbs = frozenset(pm.get("install_verbs", ()))
        self.safe = tuple(paths.get("safe", ()))
        self.safe_set = frozenset(self.safe)
        self.proof_trees = tuple(paths.get("proof_trees", ()))
        self.proof_parents = frozenset(paths.get("proof_parents", ()))

    def get(self, name: str) -> Command | None:
        """The entry named `name` exactly, or None."""
        cmd = self.built.get(name)
        if cmd is None:
            entry = self.raw.get(name)
            if entry is None:
                return None
            fields = {k: (frozenset(v) if isinstance(getattr(Command, k, None), frozenset) else tuple(v))
                      if isinstance(v, list) else v for k, v in entry.items()}
            cmd = self.built[name] = Command(name=name, **fields)
        return cmd


def build(data: dict) -> Knowledge:
    """The knowledge in `data` (the contents of commands.toml); a key no command has is an error."""
    return Knowledge(data)


_KNOWLEDGE: Knowledge | None = None


def knowledge() -> Knowledge:
    """data/commands.toml, read once (from its JSON copy when that is fresh)."""
    global _KNOWLEDGE
    if _KNOWLEDGE is None:
        from .datafiles import load

        _KNOWLEDGE = build(load("commands"))
    return _KNOWLEDGE


def lookup(name: str, known: Knowledge | None = None) -> Command | None:
    """The entry for the program `name` (without its folder): by name, then by a versioned name."""
    k = known or knowledge()
    cmd = k.get(name)
    if cmd is not None:
        return cmd
    for prefix, numbered, full in k.named:
        if name.startswith(prefix) and (not numbered or _is_number(name[len(prefix):])):
            return k.get(full)
    return None


def _is_number(text: str) -> bool:
    from .snippets import is_number

    return is_number(text)


# --- privilege-drop tools --------------------------------------------------------------------------

_BEFORE = r"(?<![\w./-])"
_PATH = r"(?:/[\w./-]*/)?"


def _drop_pattern() -> str:
    """One alternative per way to drop privileges: the tools that always do (one group), then each
    that does with an option or an argument that follows it on the same line."""
    k = knowledge()
    cmds = [k.get(name) for name, entry in k.raw.items() if "drops_privileges" in entry]
    always = "|".join(c.name for c in cmds if c.drops_privileges == "")
    parts = [f"{_BEFORE}{_PATH}({always})(?![\\w.-])"] if always else []
    parts += [f"{_BEFORE}{_PATH if c.drop_path else ''}({c.name}){c.drops_privileges}"
              for c in cmds if c.drops_privileges]
    return "|".join(parts)


def _install_pattern() -> str:
    names = [n for entry in knowledge().raw.values() for n in entry.get("installed_names", ())]
    return r"(?<![\w-])(" + "|".join(names) + r")(?![\w-])"


# a command line that switches to another user before running the program
DROP_RE = lazyre.compile(_drop_pattern)
# a build step that brings such a tool into the image (a package or a download of that name)
INSTALL_DROP_RE = lazyre.compile(_install_pattern)


def drop_tool(text: str) -> str | None:
    """The privilege-dropping tool a script or command line uses, if any (comments ignored)."""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = DROP_RE.search(line)
        if m:
            return next(g for g in m.groups() if g)
    return None
