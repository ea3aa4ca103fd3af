"""Step 6's evidence: what rules read about the image's program and the files around it.

The program an ENTRYPOINT/CMD runs (`program`), the first instruction of the final stage's chain
whose text matches (`search_chain`), the script a COPY/ADD brought from the build context
(`context_script`), and the folders around the Dockerfile up to its repository
(`folders_up`, `find_repo_root`). Rules and `decide.Context` import these from here, so the rules
never import the step that runs them (the layers in pyproject.toml's `[tool.importlinter]`).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re

from .parse import Instruction
from .stages import Analysis
from . import recache


def search_chain(an: Analysis, kinds: tuple[str, ...], pattern):
    """(instruction, match) of the first instruction of the final stage's chain, of one of
    `kinds` (`run`, `copy`, ...), whose text `pattern` finds; or None."""
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd in kinds:
                m = pattern.search(inst.original)
                if m:
                    return inst, m
    return None


def program(inst: Instruction) -> tuple[str | None, str]:
    """(the program an ENTRYPOINT/CMD runs, its whole text); init wrappers are looked through."""
    if inst.json:
        argv = list(inst.value)
        text = " ".join(argv)
        # init wrappers run the real program: `tini -- /docker-entrypoint.sh`
        while argv and (argv[0].rsplit("/", 1)[-1] in ("tini", "tini-static", "dumb-init", "catatonit")
                        or (argv[0].startswith("-") and len(argv) > 1)):
            argv = argv[1:]
        return (argv[0] if argv else None), text
    words = inst.args.split()
    return (words[0] if words else None), inst.args


def folders_up(dockerfile: str, stop: str | None):
    """The Dockerfile's folder and those above it, up to `stop` (the repository root; None: the
    Dockerfile's folder alone), as real paths: where files that act on it (an action.yml, a
    devcontainer.json) may live."""
    d = os.path.dirname(os.path.realpath(dockerfile))
    stop = os.path.realpath(stop) if stop else d
    while True:
        yield d
        if d == stop or not d.startswith(stop):
            return
        parent = os.path.dirname(d)
        if parent == d:
            return
        d = parent


def find_repo_root(folder: str) -> str | None:
    """The closest folder at or above `folder` that holds `.git` (a folder or a worktree file).
    A run remembers it per folder through its repository cache (`decide.Context.repo_root`)."""
    d = os.path.abspath(folder)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


# folders every Linux image has: `COPY script /usr/local/bin` puts the script into them
_FOLDERS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")


def _symlink_target(an: Analysis, prog: str) -> str | None:
    """What `prog` links to when a RUN of the final stage's chain made it a symlink
    (`ln -s usr/local/bin/docker-entrypoint.sh /docker-entrypoint.sh`), as an absolute path."""
    import posixpath
    import re

    if not prog.startswith("/"):
        return None
    link_re = recache.compile(r"(?<![\w-])ln\s+(?:-[a-zA-Z]+\s+)*?-[a-zA-Z]*s[a-zA-Z]*\s+(?:-[a-zA-Z]+\s+)*([\w./-]+)\s+"
                         + re.escape(prog) + r"(?![\w./-])")
    for stage in reversed(an.chain):
        for inst in reversed(stage.instructions):
            m = link_re.search(inst.original) if inst.cmd == "run" else None
            if m:
                return posixpath.normpath(posixpath.join(posixpath.dirname(prog), m.group(1)))
    return None


def context_script(an: Analysis, prog: str | None, context: str | None):
    """(path, COPY line, text) of the file `prog` names when a COPY brought it from the context."""
    if not prog or context is None:
        return None
    from .discover import copy_sources
    import posixpath

    base = posixpath.basename(prog)
    linked = _symlink_target(an, prog)
    for sources, dest, line in reversed(an.from_context):
        for src in sources:
            into = dest.endswith("/") or dest in _FOLDERS  # `COPY x /usr/local/bin` copies into the folder
            target = posixpath.join(dest, posixpath.basename(src.rstrip("/"))) if into else dest
            if not (target in (prog, linked) or ("/" not in prog and posixpath.basename(target) == base)
                    or (not prog.startswith("/") and target.endswith("/" + prog.lstrip("./")))):
                continue
            root = os.path.realpath(context)
            for hit in copy_sources(root, src):
                real = os.path.realpath(hit)
                if not real.startswith(root + os.sep) or not os.path.isfile(real):
                    continue
                try:
                    with open(real, "rb") as f:
                        body = f.read(1 << 20).decode("utf-8", "replace")
                except OSError:
                    continue
                return src, line, body
    return None


# --- where a file of the image came from ----------------------------------------------------------

# commands that put a copy of one file at another path: `cp A B`, `mv A B`, `install -m 755 A B`,
# `dos2unix -n A B` (converted copy), `ln -s A B` (B names A)
_COPIERS = {"cp", "mv", "install", "dos2unix", "unix2dos", "ln"}
_VALUED = {"install": {"-m", "--mode", "-o", "--owner", "-g", "--group", "-t", "--target-directory"},
           "cp": {"-t", "--target-directory"}, "mv": {"-t", "--target-directory"}}
_SEGMENT_RE = re.compile(r"&&|\|\||;|\n")
_GLOB = set("*?[")
_MAX_HOPS = 8


def _resolve(base: str, path: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(base, path))


_COPIER_AT_RE = re.compile(r"\s*(?:\S*/)?(?:cp|mv|install|dos2unix|unix2dos|ln)\s")


@functools.lru_cache(maxsize=1024)
def _run_copies(text: str, workdir: str) -> tuple[tuple[str, str, bool], ...]:
    """(source, destination, into) of each plain file copy a RUN makes (absolute paths; `into`: the
    destination is a folder the source goes into). Cached: `origins` asks once per candidate path."""
    return tuple(_copies(text, workdir))


def _copies(text: str, workdir: str):
    from .switchuser import simple_words

    for seg in _SEGMENT_RE.split(text):
        if not _COPIER_AT_RE.match(seg):  # most commands are not copies: skip the tokenizer
            continue
        words = simple_words(seg.strip(), stops="|()<>")
        if not words or words[0].rsplit("/", 1)[-1] not in _COPIERS:
            continue
        tool = words[0].rsplit("/", 1)[-1]
        operands, opts, i = [], [], 1
        while i < len(words):
            w = words[i]
            if w.startswith("-") and not operands and w != "-":
                opts.append(w)
                if w in _VALUED.get(tool, ()):
                    i += 1
            else:
                operands.append(w)
            i += 1
        if any(set(w) & _GLOB or "$" in w for w in operands):
            continue
        if tool in ("dos2unix", "unix2dos"):  # `-n IN OUT`: a converted copy; otherwise in place
            if "-n" in opts or "--newfile" in opts:
                for k in range(0, len(operands) - 1, 2):
                    yield _resolve(workdir, operands[k]), _resolve(workdir, operands[k + 1]), False
            continue
        if tool == "ln" and not any(o.startswith("-") and not o.startswith("--") and "s" in o or o == "--symbolic"
                                    for o in opts):
            continue
        if len(operands) != 2:
            continue
        src, dest = operands
        if tool == "ln":  # a relative link target is relative to the link's folder
            import posixpath

            link = _resolve(workdir, dest)
            yield _resolve(posixpath.dirname(link), src), link, dest.endswith("/")
            continue
        yield _resolve(workdir, src), _resolve(workdir, dest), dest.endswith("/")


def _stage_by_ref(stages, ref: str):
    ref = ref.lower()
    for s in stages.stages:
        if s.name == ref or str(s.index) == ref:
            return s
    return None


def origins(stages, stage, path: str, hops: int = 0):
    """Where the file at absolute `path` in `stage`'s image may have come from, most likely first:
    (source as written in the build context, line of the COPY/ADD that brought it). Followed
    through other stages of the file (`COPY --from=build /src/run.sh ./`), folders copied whole
    (`COPY . .`, `COPY docker ./docker`) and RUNs that copy, rename, convert or link it (`cp`,
    `mv`, `install`, `dos2unix -n`, `ln -s`). Values with variables are not followed."""
    import posixpath

    if hops > _MAX_HOPS or stage is None:
        return
    steps = []  # (instruction, working folder), in build order
    workdir: str | None = "/"
    for s in stage.chain():
        for inst in s.instructions:
            if inst.cmd == "workdir" and inst.value:
                w = inst.value[0]
                workdir = _resolve(workdir, w) if "$" not in w and workdir is not None else None
            elif inst.cmd in ("copy", "add", "run"):
                steps.append((inst, workdir))
    for inst, wd in reversed(steps):
        if wd is None:  # a WORKDIR with a variable: relative paths are not known
            continue
        if inst.cmd == "run":
            for src, dest, into in (() if inst.json else _run_copies(inst.args, wd)):
                if path == dest or (into and path == posixpath.join(dest, posixpath.basename(src))):
                    yield from origins(stages, stage, src, hops + 1)
                    return
            continue
        if inst.heredocs or len(inst.value) < 2:
            continue
        *sources, dest = inst.value
        if "$" in dest:
            continue
        d = _resolve(wd, dest)
        into = dest.endswith("/") or len(sources) > 1
        frm = inst.flag("from")
        for src in sources:
            if "$" in src or "://" in src:
                continue
            rel = None
            if path == (posixpath.join(d, posixpath.basename(src.rstrip("/"))) if into else d):
                rel = src
            elif (into and set(posixpath.basename(src)) & _GLOB and not set(posixpath.dirname(src)) & _GLOB
                  and posixpath.dirname(path) == d.rstrip("/")
                  and fnmatch.fnmatchcase(posixpath.basename(path), posixpath.basename(src))):
                rel = posixpath.join(posixpath.dirname(src), posixpath.basename(path))  # `COPY bin/* /usr/local/bin/`
            elif path.startswith(d.rstrip("/") + "/") and not set(src) & _GLOB:
                rel = posixpath.normpath(posixpath.join(src, path[len(d.rstrip("/")) + 1:]))  # a folder copied whole
            if rel is None:
                continue
            if frm is None:
                yield rel, inst.start_line
                continue
            other = _stage_by_ref(stages, frm)
            if other is not None and other is not stage:
                yield from origins(stages, other, _resolve("/", rel), hops + 1)
        if frm is not None and (path == d or path.startswith(d.rstrip("/") + "/")):
            return  # the last writer is another stage or image: what came before does not show


def program_paths(an: Analysis, prog: str | None) -> list[str]:
    """The absolute paths `prog` (an ENTRYPOINT/CMD program) may be: relative to the WORKDIR, or
    looked up in the usual bin folders when it is a bare name."""
    import posixpath

    if not prog or "$" in prog:
        return []
    if "/" in prog:
        return [_resolve(an.workdir or "/", prog)]
    return [posixpath.join(d, prog) for d in _FOLDERS] + [_resolve(an.workdir or "/", prog)]


def traced_script(stages, an: Analysis, prog: str | None, context: str | None):
    """(source, COPY line, text) of the file `prog` runs, traced to the build context through
    copied folders, other stages and RUN copies (`origins`); None when it does not lead there."""
    if context is None:
        return None
    root = os.path.realpath(context)
    for path in program_paths(an, prog):
        for src, line in origins(stages, an.final, path):
            real = os.path.realpath(os.path.join(root, src.lstrip("/")))
            if not real.startswith(root + os.sep) or not os.path.isfile(real):
                continue
            try:
                with open(real, "rb") as f:
                    return src, line, f.read(1 << 20).decode("utf-8", "replace")
            except OSError:
                continue
    return None


def yaml_list(text: str, key: str) -> list[str]:
    """The items of the top-level YAML list `key` (block `- x` or flow `[x, y]`): enough for these
    linters' small config files, without a YAML library."""
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(rf"^{re.escape(key)}\s*:\s*(.*?)\s*(?:#.*)?$", line)
        if not m:
            continue
        rest = m.group(1)
        if rest.startswith("["):
            out += [x.strip().strip("'\"") for x in rest.strip("[]").split(",")]
            continue
        for item in lines[i + 1:]:
            im = re.match(r"^\s*-\s*(?:id\s*:\s*)?['\"]?([\w.-]+)", item)
            if im:
                out.append(im.group(1))
            elif item.strip() and not item.lstrip().startswith("#") and not item.startswith((" ", "\t")):
                break
    return out


def read_small(path: str) -> str | None:
    """The first MiB of a small configuration file, or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(1 << 20)
    except OSError:
        return None
