"""Step 6's evidence: what rules read about the image's program and the files around it.

The program an ENTRYPOINT/CMD runs (`program`), the first instruction of the final stage's chain
whose text matches (`search_chain`), the script a COPY/ADD brought from the build context
(`context_script`), and the folders around the Dockerfile up to its repository
(`folders_up`, `find_repo_root`). Rules and `decide.Context` import these from here, so the rules
never import the step that runs them (the layers in pyproject.toml's `[tool.importlinter]`).
"""

from __future__ import annotations

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
