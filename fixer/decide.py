"""Step 6: decide whether to fix the final stage or leave the file alone, by named rules.

A wrong pull request is worse than none, so dockerfix changes a file only when no rule says to
leave it. Each rule is one small module under `fixer/rules/<family>/` with a stable kebab-case
NAME (the code a user cites and overrides with `--force NAME`), a one-line SUMMARY, an EXAMPLE, and
`check(ctx) -> str | None`: the reason to leave the file, or None. The rules run in the order of
`rules.RULES`; the first that fires decides. A forced rule that would have fired becomes a warning.

`Context` is what a rule may look at: the parsed file, its stages and the final stage's analysis,
the options, the build context folder and the repository around the Dockerfile. Its helpers read
files from disk lazily and once; the functions rules share live in `evidence`, below the rules.
"""

from __future__ import annotations

import os
from functools import cached_property

from .parse import Dockerfile
from .record import dataclass, field
from .evidence import context_script, find_repo_root, program, traced_script  # noqa: F401 (program: plan's, re-exported)
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
    resolver: "object" = None  # facts.Resolver for the base image's configuration; None: the knowledge file only
    repositories: "object | None" = None  # repository.Cache shared by the files of one run
    shells: "object | None" = None  # shellfacts.Memo of RUN lines already analysed (the language server's)
    depth: int = 0  # how many FROMs of the repository's own images led here (`parent`)
    _scripts: dict = field(default_factory=dict, repr=False)

    @cached_property
    def stages(self) -> Stages:
        return split_stages(self.df)

    @cached_property
    def image(self):
        """The final stage's base image facts (`images.ImageInfo`), through `resolver`."""
        from . import facts

        found = facts.whole_root(self.stages, self.options.target)
        if found is not None and found[0] and found[0].lower() != "scratch":
            image, what, line = found
            _, platform, given = facts.base_of(self.stages, self.options.target)
            return facts.filled_scratch(facts.info(image, platform, given, resolver=self.resolver), what, line)
        image, platform, given = facts.base_of(self.stages, self.options.target)
        if image is None:  # a tag left to a build argument: what every tag of the image shares
            from . import images

            return images.every_tag(self.stages.final(self.options.target).root.image_raw.rsplit(":", 1)[0])
        return facts.info(image, platform, given, resolver=self.resolver)

    @cached_property
    def an(self) -> Analysis:
        """The final stage's analysis (computed on first use: `# dockerfix: ignore` at the top of a
        file leaves it alone before anything else is read)."""
        return analyze(self.df, self.stages, self.options.target, self.image, shells=self.shells)

    # --- what the image runs ----------------------------------------------------------------

    def script(self, prog: str | None, folder: str | None = None) -> tuple[str, int, str] | None:
        """(source path, COPY line, text) of the file `prog` names when a COPY/ADD of the final
        stage's chain brought it from `folder` (default: the build context); each program is
        read once per folder."""
        folder = self.context if folder is None else folder
        key = prog if folder == self.context else (folder, prog)
        if key not in self._scripts:
            self._scripts[key] = (context_script(self.an, prog, folder)
                                  or traced_script(self.stages, self.an, prog, folder))
        return self._scripts[key]

    def copied_script(self, prog: str | None) -> tuple[str, int, str] | None:
        """`script(prog)` from the build context, else from the repository root (many builds run
        `docker build -f sub/Dockerfile .`, so a COPY's source is relative to the root), else from
        the build context a compose file of the repository builds the Dockerfile with."""
        found = self.script(prog)
        root = self.repo_root
        if found is None and root and self.context and os.path.realpath(root) != os.path.realpath(self.context):
            found = self.script(prog, root)
        if found is None and prog and self.path and self.repository is not None:
            # the build context a compose file of the repository gives it (`build: {context: images}`)
            real = os.path.realpath(self.path)
            for ctx in dict.fromkeys(r.context for r in self.repository.runs_of(real) if r.context):
                if ctx not in (os.path.realpath(self.context or ""), os.path.realpath(root or "")):
                    found = self.script(prog, ctx)
                    if found is not None:
                        break
        return found

    def parent(self) -> "tuple[Context, int] | None":
        """(the Context of the repository's Dockerfile whose image the final stage builds FROM,
        the FROM line), or None (`_parent_of`)."""
        return _parent_of(self)

    def decide_other(self, other: "Context", only: frozenset | None = None) -> "Decision":
        """The decision on another file (a parent image's Dockerfile), by the same rules (`only`:
        those named, in their order)."""
        return decide(other, only)

    @property
    def repo_root(self) -> str | None:
        """The repository around the Dockerfile: the closest folder above it with a `.git`."""
        if self.context is None:
            return None
        if self.repositories is None:
            return find_repo_root(self.context)
        return self.repositories.remember("repository root", os.path.abspath(self.context), find_repo_root)

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


MAX_PARENTS = 3  # a chain of the repository's own images followed this deep (and never round)


def _parent_of(ctx: Context) -> tuple[Context, int] | None:
    """(the Context of the repository's Dockerfile that builds the image the final stage starts
    FROM, the FROM line), or None: an image of another repository, a stage of this file, a
    chain deeper than MAX_PARENTS. The parent is read as a file of its own (its folder as context)."""
    an = ctx.an
    if ctx.depth >= MAX_PARENTS or ctx.path is None or not an.chain or not an.base_image:
        return None
    repo = ctx.repository
    if repo is None:
        return None
    other = repo.builder_of(an.base_image, ctx.path)
    if other is None:
        return None
    text = repo.read(other, quiet=True)
    if text is None:
        return None
    from .errors import DockerfixError
    from .parse import parse as instructions
    from .source import decode

    try:
        df = instructions(decode(text.encode()))
    except DockerfixError:
        return None
    opts = type(ctx.options)()  # the parent's own decision: no --target, no --force of this file's
    up = Context(df, opts, os.path.dirname(other), other, resolver=ctx.resolver, repositories=ctx.repositories,
                 shells=ctx.shells, depth=ctx.depth + 1)
    return up, an.chain[0].from_inst.start_line


def decide(ctx: Context, only: frozenset | None = None) -> Decision:
    """Run the rules in order (`only`: the rules of those names): the first one that fires and is
    not forced leaves the file alone."""
    from .rules import in_order

    forced_names = set(getattr(ctx.options, "force", ()) or ())
    decision = Decision(None)
    for rule in in_order():
        if only is not None and rule.name not in only:
            continue
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
