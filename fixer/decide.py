"""Step 6: decide whether to fix the final stage or leave the file alone, by named rules.

A wrong pull request is worse than none, so dockerfix changes a file only when no rule says to
leave it. Each rule is one small module under `fixer/rules/<family>/` with a stable kebab-case
NAME (the code a user cites and overrides with `--force NAME`), a one-line SUMMARY, an EXAMPLE, and
`check(ctx) -> str | None`: the reason to leave the file, or None. The rules run in the order of
`rules.RULES`; the first that fires decides. A forced rule that would have fired becomes a warning.

`Context` is what a rule may look at: the parsed file, its stages and the final stage's analysis,
the options, the build context folder and the repository around the Dockerfile. Its helpers read
files from disk lazily and once.
"""

from __future__ import annotations

import os
from functools import cached_property

from .parse import Dockerfile, Instruction
from .record import dataclass, field
from .stages import Analysis, Stages, analyze, split_stages


@dataclass(frozen=True)
class Leave:
    """The decision to leave a file alone: which rule, and why."""

    rule: str
    reason: str


@dataclass
class Decision:
    leave: Leave | None  # None: fix it
    forced: list[Leave] = field(default_factory=list)  # rules that fired but were overridden


@dataclass
class Context:
    df: Dockerfile
    options: "object"  # plan.Options
    context: str | None = None  # the build context folder (the Dockerfile's folder), if on disk
    path: str | None = None  # the Dockerfile's own path, if on disk
    repositories: "object | None" = None  # repository.Cache shared by the files of one run
    _scripts: dict = field(default_factory=dict, repr=False)

    @cached_property
    def stages(self) -> Stages:
        return split_stages(self.df)

    @cached_property
    def an(self) -> Analysis:
        """The final stage's analysis (computed on first use: `# dockerfix: ignore` at the top of a
        file leaves it alone before anything else is read)."""
        return analyze(self.df, self.stages, self.options.target)

    # --- what the image runs ----------------------------------------------------------------

    def script(self, prog: str | None) -> tuple[str, int, str] | None:
        """(source path, COPY line, text) of the file `prog` names when a COPY/ADD of the final
        stage's chain brought it from the build context; each program is read once."""
        if prog not in self._scripts:
            self._scripts[prog] = _context_script(self.an, prog, self.context)
        return self._scripts[prog]

    @property
    def repo_root(self) -> str | None:
        """The repository around the Dockerfile: the closest folder above it with a `.git`."""
        if self.context is None:
            return None
        return find_repo_root(self.context)

    @cached_property
    def repository(self):
        """The repository model around the Dockerfile (`fixer.repository.Repository`): rooted at
        the repository root, or at the Dockerfile's folder when it is in none; None for stdin
        without a path. Read once per root through the run's cache."""
        from .repository import Cache

        folder = self.repo_root or (os.path.dirname(os.path.abspath(self.path)) if self.path else None)
        if folder is None:
            return None
        cache = self.repositories if self.repositories is not None else Cache()
        return cache.get(folder)


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


_REPO_ROOTS: dict[str, str | None] = {}


def find_repo_root(folder: str) -> str | None:
    """The closest folder at or above `folder` that holds `.git` (a folder or a worktree file);
    cached per folder, since a bot runs over thousands of files of the same repositories."""
    folder = os.path.abspath(folder)
    seen = []
    d = folder
    root = None
    while True:
        if d in _REPO_ROOTS:
            root = _REPO_ROOTS[d]
            break
        seen.append(d)
        if os.path.exists(os.path.join(d, ".git")):
            root = d
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for s in seen:
        _REPO_ROOTS[s] = root
    return root


# folders every Linux image has: `COPY script /usr/local/bin` puts the script into them
_FOLDERS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")


def _symlink_target(an: Analysis, prog: str) -> str | None:
    """What `prog` links to when a RUN of the final stage's chain made it a symlink
    (`ln -s usr/local/bin/docker-entrypoint.sh /docker-entrypoint.sh`), as an absolute path."""
    import posixpath
    import re

    if not prog.startswith("/"):
        return None
    link_re = re.compile(r"(?<![\w-])ln\s+(?:-[a-zA-Z]+\s+)*?-[a-zA-Z]*s[a-zA-Z]*\s+(?:-[a-zA-Z]+\s+)*([\w./-]+)\s+"
                         + re.escape(prog) + r"(?![\w./-])")
    for stage in reversed(an.chain):
        for inst in reversed(stage.instructions):
            m = link_re.search(inst.original) if inst.cmd == "run" else None
            if m:
                return posixpath.normpath(posixpath.join(posixpath.dirname(prog), m.group(1)))
    return None


def _context_script(an: Analysis, prog: str | None, context: str | None):
    """(path, COPY line, text) of the file `prog` names when a COPY brought it from the context."""
    if not prog or context is None:
        return None
    import glob
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
            for hit in sorted(glob.glob(os.path.join(root, src.lstrip("/")))):
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


def decide(ctx: Context) -> Decision:
    """Run the rules in order: the first one that fires and is not forced leaves the file alone."""
    from .rules import in_order

    forced_names = set(getattr(ctx.options, "force", ()) or ())
    decision = Decision(None)
    for rule in in_order():
        reason = rule.check(ctx)
        if reason is None:
            continue
        found = Leave(rule.name, reason)
        if rule.overridable and (rule.name in forced_names or "all" in forced_names):
            decision.forced.append(found)
            continue
        decision.leave = found
        return decision
    return decision
