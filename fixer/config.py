"""Configuration files: `.dockerfix.toml` and `[tool.dockerfix]` in `pyproject.toml`.

Found like ruff finds its own: walking up from each Dockerfile's folder, the closest folder that
has a `.dockerfix.toml`, or a `pyproject.toml` with a `[tool.dockerfix]` table, wins (in one folder
`.dockerfix.toml` comes first); files are not merged. Command-line options win over the file.
`--config FILE` uses one file for everything; `--isolated` uses none.

Keys (kebab-case, as on the command line): user, group, uid, gid, numeric-user, writable (list),
always-create, force (list of rule names, or `true` for drops-privileges), openshift, exclude (list of globs,
relative to the configuration file's folder), and the base-image look-up settings (`facts`): offline,
registry-mirror, insecure-registries, tag-cache-hours, lookup-timeout, failed-lookup-minutes.
"""

from __future__ import annotations

import fnmatch
import os

from .errors import DockerfixError
from .record import dataclass, field

# key -> (Options field, type)
KEYS: dict[str, tuple[str, type]] = {
    "user": ("user", str),
    "group": ("group", str),
    "uid": ("uid", int),
    "gid": ("gid", int),
    "numeric-user": ("numeric_user", bool),
    "writable": ("writable", list),
    "always-create": ("always_create", bool),
    "force": ("force", list),  # rule names; `true` still means drops-privileges
    "openshift": ("openshift", bool),
}
# base-image look-ups (facts.resolver_from): key -> type
LOOKUP_KEYS = {"offline": bool, "registry-mirror": str, "insecure-registries": list, "tag-cache-hours": int,
               "lookup-timeout": int, "failed-lookup-minutes": int}
ZERO_ALLOWED = {"failed-lookup-minutes"}  # 0: failed look-ups are not remembered
OTHER_KEYS = {"exclude": list, **LOOKUP_KEYS}
FILE_NAMES = (".dockerfix.toml", "pyproject.toml")


@dataclass
class Config:
    path: str | None  # the file it came from (None: no file)
    root: str  # the folder exclude globs are relative to
    values: dict = field(default_factory=dict)  # Options field -> value
    exclude: tuple[str, ...] = ()
    lookup: dict = field(default_factory=dict)  # LOOKUP_KEYS -> value

    def excludes(self, path: str) -> bool:
        """Whether `path` (a file or folder) matches one of the exclude globs. A glob without `/`
        matches any single path component (`vendor`, `*.generated.Dockerfile`); one with `/` matches
        the path relative to the configuration file's folder (`docker/legacy/*`, `**/testdata/**`)."""
        if not self.exclude:
            return False
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        if rel.startswith("../"):
            return False
        parts = rel.split("/")
        for pat in self.exclude:
            p = pat.strip("/")
            if "/" not in p:
                if any(fnmatch.fnmatchcase(part, p) for part in parts):
                    return True
                continue
            candidates = [p, p[3:]] if p.startswith("**/") else [p]
            for c in candidates:
                # `*` crosses folders here (fnmatch); `dir/**` also matches `dir` itself
                if fnmatch.fnmatchcase(rel, c) or (c.endswith("/**") and fnmatch.fnmatchcase(rel, c[:-3])):
                    return True
        return False


NO_CONFIG = Config(None, os.getcwd())


def _line_of(text: str, key: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith((key + " ", key + "=", f'"{key}"')):
            return i
    return None


def load(path: str) -> Config | None:
    """Read one configuration file; None for a pyproject.toml without `[tool.dockerfix]`.
    Raises DockerfixError naming the file (and line) for anything wrong in it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except OSError as e:
        raise DockerfixError(f"configuration {shown}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise DockerfixError(f"configuration {shown}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise DockerfixError(f"configuration {shown}: invalid TOML: {e}") from None
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("dockerfix") if isinstance(data.get("tool"), dict) else None
        if table is None:
            return None
        prefix = "[tool.dockerfix] "
    else:
        table = data
        prefix = ""
    if not isinstance(table, dict):
        raise DockerfixError(f"configuration {shown}: {prefix or 'the file '}must be a table")
    cfg = Config(os.path.abspath(path), os.path.dirname(os.path.abspath(path)))
    for key, value in table.items():
        line = _line_of(text, key)
        where = f"configuration {shown}" + (f":{line}" if line else "")
        kind = KEYS[key][1] if key in KEYS else OTHER_KEYS.get(key)
        if key == "force" and isinstance(value, bool):  # before rules had names: force = true
            value = ["drops-privileges"] if value else []
        if kind is None:
            known = ", ".join(sorted([*KEYS, *OTHER_KEYS]))
            hint = " (keys are kebab-case)" if key.replace("_", "-") in KEYS else ""
            raise DockerfixError(f"{where}: unknown key {prefix}{key!r}{hint}; known keys: {known}")
        ok = (isinstance(value, kind) and not (kind is int and isinstance(value, bool))) and (
            kind is not list or all(isinstance(v, str) for v in value)
        )
        if not ok:
            want = {str: "a string", int: "an integer", bool: "true or false", list: "a list of strings"}[kind]
            raise DockerfixError(f"{where}: {prefix}{key} must be {want}, not {value!r}")
        if key == "exclude":
            cfg.exclude = tuple(value)
        elif key in LOOKUP_KEYS:
            if kind is int and value < (0 if key in ZERO_ALLOWED else 1):
                what = "0 or more" if key in ZERO_ALLOWED else "a positive integer"
                raise DockerfixError(f"{where}: {prefix}{key} must be {what}, not {value!r}")
            cfg.lookup[key] = value
        else:
            cfg.values[KEYS[key][0]] = tuple(value) if kind is list else value
    return cfg


def _may_configure(pyproject: str) -> bool:
    """Whether a pyproject.toml found on the walk can hold a [tool.dockerfix] table: the key is
    spelled out in it (bare, quoted, dotted), or a TOML escape could spell it. One that cannot is
    not parsed (importing tomllib and parsing costs ~5 ms per start, in every Python repository),
    so it is not a configuration even when it is broken TOML; `--config` still reads any file."""
    try:
        with open(pyproject, "rb") as f:
            raw = f.read()
    except OSError:
        return True  # load() says why
    return b"dockerfix" in raw or b"\\u" in raw or b"\\U" in raw


class Finder:
    """Finds each file's configuration, caching per folder (a bot runs over thousands of files)."""

    def __init__(self, config_file: str | None = None, isolated: bool = False):
        self.fixed: Config | None = None
        if isolated:
            self.fixed = NO_CONFIG
        elif config_file is not None:
            if not config_file:
                raise DockerfixError("--config needs a file name (it was given an empty one)")
            cfg = load(config_file)
            self.fixed = cfg if cfg is not None else Config(os.path.abspath(config_file),
                                                            os.path.dirname(os.path.abspath(config_file)))
        self._cache: dict[str, Config] = {}

    def for_path(self, path: str | None) -> Config:
        """The configuration that governs `path` (a file; None or '-' means the current folder)."""
        if self.fixed is not None:
            return self.fixed
        folder = os.getcwd() if path in (None, "-") else os.path.dirname(os.path.abspath(path))
        return self.for_folder(folder)

    def for_folder(self, folder: str) -> Config:
        """The configuration that governs files in `folder`."""
        if self.fixed is not None:
            return self.fixed
        folder = os.path.abspath(folder)
        seen: list[str] = []
        cfg: Config | None = None
        d = folder
        while True:
            if d in self._cache:
                cfg = self._cache[d]
                break
            seen.append(d)
            for name in FILE_NAMES:
                candidate = os.path.join(d, name)
                if os.path.isfile(candidate) and (name != "pyproject.toml" or _may_configure(candidate)):
                    cfg = load(candidate)
                    if cfg is not None:
                        break
            if cfg is not None:
                break
            parent = os.path.dirname(d)
            if parent == d:
                cfg = NO_CONFIG
                break
            d = parent
        for s in seen:
            self._cache[s] = cfg
        return cfg


def validated_options(cfg: Config, overrides: dict | None = None):
    """The `plan.Options` of configuration `cfg`, with command-line `overrides` winning, validated:
    a bad value is an error naming the configuration file and its key (not the option)."""
    import re

    from .plan import Options

    opts = Options(**{**cfg.values, **(overrides or {})})
    try:
        opts.validate()
    except DockerfixError as e:
        msg = re.sub(r"^--([a-z-]+)", r"\1", e.message)  # the file's key, not the option
        raise DockerfixError(f"configuration {os.path.relpath(cfg.path or '.')}: {msg}") from None
    return opts
