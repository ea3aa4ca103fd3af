"""Compiled regular expressions kept between runs: `recache.compile(pattern, flags)`.

`re.compile` parses a pattern and builds its matcher program in Python: 0.1-1.5 ms a pattern,
and a run that decides one Dockerfile compiles 60-90 of them (the rules', the repository
model's, the parser's): a third of its CPU time, paid again on every editor save. The program
`re` builds is a list of integers that depends only on the pattern, its flags and the
interpreter, so it is kept in a file: `re-<interpreter tag>-<_sre.MAGIC>.marshal` in dockerfix's
cache folder (`cachedir`; `use(folder)` chooses another, `use(None)` none), read on the first
compile, written by the command line's `save()` at its end when the run compiled a new pattern;
the next run hands the program straight to `_sre.compile`, the constructor `re.compile` itself
ends with.

Safe by construction: a program is stored only after the pattern built from it compared equal
to `re.compile`'s own (pattern objects compare their program); any interpreter that lacks the
internals used, an unreadable or foreign file, or a store beyond `MAX_ENTRIES` falls back to
`re.compile`. The store is
the process's: like `lazyre`, it is infrastructure below the pipeline, not a step's state.
"""

from __future__ import annotations

import os
import re
import sys

try:  # the internals `re.compile` is made of (Python 3.11+; 3.10 names them sre_*)
    import _sre

    try:
        from re import _compiler as _comp
        from re import _parser as _pars
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_compile as _comp  # type: ignore[no-redef]
        import sre_parse as _pars  # type: ignore[no-redef]
    _SUPPORTED = (hasattr(_comp, "_code") and hasattr(_sre, "compile") and hasattr(_pars, "parse")
                  and getattr(_sre, "CODESIZE", 4) == 4 and memoryview(bytes(4)).cast("I").itemsize == 4)
except ImportError:  # pragma: no cover - another interpreter
    _SUPPORTED = False

MAX_ENTRIES = 3000  # a store beyond this starts again (patterns built from changing data)

_DEFAULT = object()
_state: dict = {"path": _DEFAULT, "store": None, "new": 0}


def store_name() -> str:
    tag = sys.implementation.cache_tag or sys.implementation.name
    return f"re-{tag}-{getattr(_sre, 'MAGIC', 0) if _SUPPORTED else 0}-{sys.byteorder}.marshal"


def use(folder: str | None) -> None:
    """Use the store in `folder` (None: none) from now on; read on the first compile."""
    if folder and _SUPPORTED:
        _state.update(path=os.path.join(folder, store_name()), store=None, new=0)
    else:
        _state.update(path=None, store=None, new=0)


def _load() -> dict:
    store = _state["store"]
    if store is None:
        store = {}
        try:
            import marshal

            with open(_state["path"], "rb") as fh:
                data = marshal.load(fh)
            if isinstance(data, dict) and len(data) <= MAX_ENTRIES:
                store = data
        except (OSError, EOFError, ValueError, TypeError):
            pass
        _state["store"] = store
    return store


def _program(pattern: str, flags: int):
    """What `re.compile` hands to `_sre.compile` (its steps, Python 3.8-3.13)."""
    p = _pars.parse(pattern, flags)
    words = _comp._code(p, flags)
    code = memoryview(bytearray(4 * len(words))).cast("I")  # one bytes object: read at memory speed
    for i, w in enumerate(words):
        code[i] = w
    code = code.tobytes()
    state = p.state
    indexgroup = [None] * state.groups
    for name, i in state.groupdict.items():
        indexgroup[i] = name
    groupindex = {str(k): int(v) for k, v in state.groupdict.items()}
    return (int(flags | state.flags), code, int(state.groups - 1), groupindex, tuple(indexgroup))


def _unpacked(args: tuple) -> tuple:
    flags, code, groups, groupindex, indexgroup = args
    return flags, memoryview(code).cast("I").tolist(), groups, groupindex, indexgroup


def compile(pattern, flags: int = 0) -> re.Pattern:  # noqa: A001 (re's name, on purpose)
    if _comp_compile_hooked():
        return re.compile(pattern, flags)  # through the hook, and kept in re's own cache too
    return _build(pattern, flags, re.compile)


def _build(pattern, flags, original):
    """The pattern object for `pattern` and `flags`: from the store, else `original(pattern,
    flags)`, whose program is stored after the pattern built from it compared equal."""
    if _state["path"] is _DEFAULT:
        from .cachedir import cache_dir

        use(cache_dir())
    if _state["path"] is None or not isinstance(pattern, str) or flags & re.DEBUG:
        return original(pattern, flags)
    flags = int(flags)
    store = _load()
    key = (pattern, flags)
    args = store.get(key)
    if args is not None:
        try:
            return _sre.compile(pattern, *_unpacked(args))
        except (TypeError, ValueError, RuntimeError):  # a store from another build: start again
            store.clear()
    compiled = original(pattern, flags)
    if len(store) >= MAX_ENTRIES:  # patterns of older versions or data accumulate: start again
        store.clear()
    try:
        args = _program(pattern, flags)
        if _sre.compile(pattern, *_unpacked(args)) == compiled:
            store[key] = args
            _state["new"] += 1
    except Exception:  # noqa: BLE001 - internals differ: this pattern is simply not stored
        pass
    return compiled


_ORIGINAL = _comp.compile if _SUPPORTED else None


def _comp_compile_hooked() -> bool:
    return _SUPPORTED and _comp.compile is _hook


def _hook(p, flags=0):
    """`re`'s own compile step (called when its cache misses), served from the store."""
    return _build(p, flags, _ORIGINAL)


def install() -> None:
    """Route every pattern this process compiles through the store: a plain `re.compile` or
    `re.search(pattern, ...)` of any module (rules and readers written without recache, the
    standard library's json at import) is then built from the store on the next run, as
    `compile` does. The command line calls it first (fixer.cli.command): the process is
    dockerfix's own. `re` keeps its cache; only its step on a miss, `re._compiler.compile`, is
    replaced."""
    if _SUPPORTED and _comp.compile is _ORIGINAL:
        _comp.compile = _hook


def save() -> None:
    """Write the store if this run added to it (atomic: a temporary file renamed over)."""
    path = _state["path"]
    if not isinstance(path, str) or not _state["new"]:
        return
    import marshal

    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            marshal.dump(_state["store"], fh)
        os.replace(tmp, path)
        _state["new"] = 0
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass

