"""Step 4: stages, variables, and who runs the final stage.

Splits the instructions into build stages, substitutes global ARGs into FROM lines, follows stage
chains (`FROM build AS final` inherits the image, user, ENV, WORKDIR and SHELL of `build`), and
tracks USER (names, uids, `name:group`, `$VAR`/`${VAR}` with ARG/ENV defaults) through the final
stage's chain. This module only reads; deciding what to insert is `plan`'s job.
"""

from __future__ import annotations

import re
from collections import ChainMap

from .errors import DockerfixError
from .parse import Dockerfile, Instruction
from .record import dataclass, field
from .shell import UNKNOWN
from .snippets import is_number
from . import recache

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_RE_VAR = recache.compile(r"\$(?:(" + _NAME + r")|\{(" + _NAME + r")(?:(:?[-+])([^}]*))?\})")


class Unresolved(Exception):
    """A variable has no value we can know (an ARG without default, a base image's ENV)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def expand(text: str, env: dict[str, str | None], escape: str = "\\") -> str:
    """Docker's word expansion for the forms found in FROM/USER/WORKDIR/ENV values.

    Raises Unresolved when a variable's value cannot be known here.
    """
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == escape and i + 1 < n and text[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if ch == "$":
            m = _RE_VAR.match(text, i)
            if m:
                name = m.group(1) or m.group(2)
                op, word = m.group(3), m.group(4)
                known = name in env
                val = env.get(name)
                if op is None:
                    if val is None:
                        raise Unresolved(name)
                    out.append(val)
                else:
                    if known and val is None:
                        raise Unresolved(name)
                    is_set = known and (val != "" or not op.startswith(":"))
                    if op.endswith("-"):
                        out.append(val if is_set else expand(word, env, escape))  # type: ignore[arg-type]
                    else:
                        out.append(expand(word, env, escape) if is_set else "")
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def unquote(value: str) -> str:
    """Remove one level of shell quotes from an ENV/ARG value as BuildKit does for simple cases."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


@dataclass
class Stage:
    index: int
    from_inst: Instruction
    image_raw: str  # as written after FROM (flags removed)
    image: str | None  # after global ARG substitution; None when it cannot be known
    unresolved_var: str | None  # the variable that made `image` unknowable
    name: str | None  # the AS name, lower-case
    instructions: list[Instruction] = field(default_factory=list)
    parent: "Stage | None" = None  # when FROM names an earlier stage

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    def chain(self) -> list["Stage"]:
        """This stage and the stages it is built on, base-most first."""
        out: list[Stage] = []
        s: Stage | None = self
        while s is not None:
            out.append(s)
            s = s.parent
        return out[::-1]

    @property
    def root(self) -> "Stage":
        return self.chain()[0]


@dataclass
class Stages:
    global_args: dict[str, str | None]  # name -> default (None: no default)
    stages: list[Stage]

    def final(self, target: str | None = None) -> Stage:
        if target is None:
            return self.stages[-1]
        t = target.lower()
        for s in self.stages:
            if s.name == t:
                return s
        names = ", ".join(s.name for s in self.stages if s.name) or "none"
        raise DockerfixError(f"no build stage named {target!r} (stages: {names})")


def arg_pairs(inst: Instruction) -> list[tuple[str, str | None]]:
    """`ARG A=1 B` -> [("A", "1"), ("B", None)]."""
    out = []
    for word in inst.value:
        if "=" in word:
            k, v = word.split("=", 1)
            out.append((k, unquote(v)))
        else:
            out.append((word, None))
    return out


def env_pairs(inst: Instruction) -> list[tuple[str, str]]:
    v = inst.value
    return [(v[i], unquote(v[i + 1])) for i in range(0, len(v) - 1, 2)]


# BuildKit's automatic platform ARGs: set in the global scope (usable in FROM without a declaration,
# and by `ARG TARGETOS` in a stage), for the platform being built; dockerfix assumes linux/amd64.
# https://docs.docker.com/build/building/variables/#pre-defined-build-arguments (multi-platform)
PLATFORM_ARGS = {
    "TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
    "BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
}


def split_stages(df: Dockerfile) -> Stages:
    global_args: dict[str, str | None] = dict(PLATFORM_ARGS)
    stages: list[Stage] = []
    by_name: dict[str, Stage] = {}
    for inst in df.instructions:
        if inst.cmd == "from":
            words = list(inst.value)
            if not words:
                raise DockerfixError("FROM needs an image name", inst.start_line)
            end = next((i for i, w in enumerate(words) if "}}" in w), None)
            if "{{" in words[0] and end:  # a template's `postgres:{{ version }}` (cookiecutter, Jinja)
                words = [" ".join(words[:end + 1])] + words[end + 1:]
            image_raw = words[0]
            name = None
            if len(words) >= 3 and words[1].lower() == "as":
                name = words[2].lower()
            elif len(words) not in (1, 3):
                raise DockerfixError(
                    "FROM takes an image and an optional 'AS name': " + " ".join(words),
                    inst.start_line,
                )
            env = dict(global_args)
            unresolved = None
            try:
                image: str | None = expand(image_raw, env, df.escape)
            except Unresolved as u:
                image, unresolved = None, u.name
            stage = Stage(len(stages), inst, image_raw, image, unresolved, name)
            if image is not None and image.lower() in by_name:
                stage.parent = by_name[image.lower()]
            stages.append(stage)
            if name:
                by_name[name] = stage
        elif not stages:
            if inst.cmd == "arg":
                for k, v in arg_pairs(inst):
                    if v is not None:
                        try:
                            v = expand(v, dict(global_args), df.escape)
                        except Unresolved:
                            v = None
                    elif k in PLATFORM_ARGS:
                        v = PLATFORM_ARGS[k]  # `ARG TARGETARCH` declares it; BuildKit still sets it
                    global_args[k] = v
            else:
                raise DockerfixError(
                    f"{inst.keyword.upper()} before the first FROM (only ARG may come first); "
                    "is this a Dockerfile fragment or template?",
                    inst.start_line,
                )
        else:
            stages[-1].instructions.append(inst)
    if not stages:
        raise DockerfixError("no FROM instruction: not a complete Dockerfile")
    return Stages(global_args, stages)


# --- users ----------------------------------------------------------------------------------------


def is_root_user(value: str) -> bool:
    """`root` or uid 0, with any group (`root:root`, `0:0`, `root:1000`)."""
    user = value.split(":", 1)[0].strip()
    if user.lower() == "root":
        return True
    return is_number(user) and int(user) == 0


@dataclass
class UserSetting:
    raw: str  # as written (may hold $VARs), or the image's default
    value: str | None  # expanded; None when it cannot be known
    line: int | None  # USER line, or None for the base image's default
    stage: Stage | None
    uid0: bool = False  # names a user the Dockerfile created with uid 0 (root by another name)

    @property
    def is_root(self) -> bool | None:
        if self.value is None:
            return None
        return self.uid0 or is_root_user(self.value)

    @property
    def name(self) -> str:
        return (self.value or self.raw).split(":", 1)[0]

    @property
    def group(self) -> str | None:
        v = self.value or self.raw
        return v.split(":", 1)[1] if ":" in v else None


def describe_user(u: UserSetting) -> str:
    """The user a stage runs as, for messages: `app (USER on line 5)`, `root (no USER: the default)`."""
    if u.line is None:
        return f"{u.value or u.raw} (the base image's default)" if u.raw != "root" else "root (no USER: the default)"
    shown = u.raw if u.value in (None, u.raw) else f"{u.raw} = {u.value}"
    return f"{shown} (USER on line {u.line})"



# --- walking the final stage's chain ----------------------------------------------------------------

POSIX_SHELLS = frozenset(("sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"))


@dataclass
class RootRun:
    inst: Instruction
    reasons: list[str]  # "line 7: apt-get install needs root"


@dataclass
class CreatedUserAt:
    name: str  # its final name (after any `usermod -l`)
    uid: int | None
    group: str | None
    gid: int | None
    line: int
    spelled: str | None = None  # `$USERNAME` when the name comes from a variable
    tool_owner: bool = False  # created with no home and a /bin/false or nologin shell
    gone: bool = False  # deleted later (userdel), or renamed to a name known only at build time


@dataclass
class Owner:
    """A path of the final image handed to a user by a RUN `chown` that must succeed, or `COPY
    --chown`: either fails the build when the user does not exist, so it exists."""

    user: str  # its final name (after any `usermod -l`); "" when deleted or renamed unknowably
    group: str | None
    paths: list[str]
    line: int
    how: str  # "chowns" (RUN chown) or "copies" (COPY/ADD --chown)
    spelled: str | None = None  # `$USER` when the user part comes from a variable


@dataclass
class CreatedGroupAt:
    gid: int | None
    line: int


@dataclass
class Analysis:
    """Everything `plan` needs to know about the final stage."""

    final: Stage
    chain: list[Stage]
    base_image: str | None  # the chain's root image reference, resolved; None if unknowable
    base_unresolved: str | None  # the ARG that made it unknowable
    image: "object"  # images.ImageInfo of base_image
    user: UserSetting  # who runs the final stage at its end
    nonroot_users: list[UserSetting]  # non-root USER settings seen in the chain, in order
    created_users: list[CreatedUserAt]
    created_groups: dict[str, CreatedGroupAt]  # by name; the last creation wins
    unnamed_ids: list[tuple[int, int]]  # (uid or gid, line) of users/groups whose names are unknown
    families: list[tuple[str, int]]  # package-manager evidence (family, line)
    installs_shadow: bool
    root_runs: list[RootRun]  # RUNs of the final stage that run as root and need it
    last_user_inst: Instruction | None  # last USER instruction of the final stage
    shell: list[str]  # SHELL in effect at the end
    env: dict[str, str | None]
    workdir: str
    volumes: list[tuple[str, int]]  # (path as expanded, line)
    exposes: list[tuple[str, int]]
    copies_no_chown: list[tuple[str, int]]  # (destination dir, line) COPY/ADD without --chown
    from_context: list[tuple[list[str], str, int]]  # COPY/ADD from the build context: (sources, dest, line)
    entrypoint: Instruction | None
    cmd: Instruction | None
    escape: str
    notes: list[str] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)  # in file order, along the final stage's chain
    renames: list[tuple[str, str | None, int]] = field(default_factory=list)  # users: (old, new, line)
    subid_users: set[str] = field(default_factory=set)  # given subordinate ids (user-namespace accounts)
    var_lines: dict[str, int] = field(default_factory=dict)  # ARG/ENV name -> line of its last setting
    root_envs: list[tuple[str, str, int]] = field(default_factory=list)  # (name, /root path, line) in effect
    # (line, why) of RUNs that ran as the base image's own user (no USER before them) and could only
    # have succeeded as root: proof that the base image runs as root (`shell.ShellFacts.proofs`)
    root_proofs: list[tuple[int, str]] = field(default_factory=list)
    workdir_line: int | None = None  # the last WORKDIR of the chain (None: the program starts in /)
    made_dirs: list[tuple[str, int]] = field(default_factory=list)  # (folder, line): mkdir, install -d, WORKDIR
    fills: list[tuple[str, int]] = field(default_factory=list)  # (path, line) the build writes (RUN writers)
    copy_dests: list[tuple[str, int, bool]] = field(default_factory=list)  # COPY/ADD: (dest, line, relative)
    run_dirs: list[tuple[str, int]] = field(default_factory=list)  # (working folder, line) of each RUN

    def final_name(self, name: str, line: int = 0) -> str | None:
        """What the user `name`, as known on `line` (0: the base image's), is called at the end;
        None when it is deleted or renamed to a name known only at build time."""
        for old, new, at in self.renames:
            if at > line and old == name:
                if new is None or UNKNOWN in new:
                    return None
                name = new
        return name


def _join(base: str, path: str) -> str:
    import posixpath

    if not path.startswith("/"):
        path = posixpath.join(base, path)
    norm = posixpath.normpath(path)
    return "/" if norm in ("/", "//") else norm


def run_script(inst: Instruction) -> tuple[str | None, list[str] | None]:
    """What a RUN executes: (shell script, None) or (None, exec argv)."""
    if inst.json:
        return None, list(inst.value)
    args = inst.args
    if inst.heredocs:
        words = args.split()
        only_heredocs = all(w.lstrip("0123456789").startswith("<<") for w in words)
        if only_heredocs and len(inst.heredocs) == 1:
            return inst.heredocs[0].content, None
        body = args + "\n" + "".join(h.content + h.name + "\n" for h in inst.heredocs)
        return body, None
    return args, None


def analyze(df: Dockerfile, st: Stages, target: str | None, info, shells=None) -> Analysis:
    """The final stage's analysis. `info` (an `images.ImageInfo`, from `facts.info`: the knowledge
    file's, and the base image's own configuration) is an input: this step looks up nothing.
    `shells`: a `shellfacts.Memo` of RUN lines already analysed (the language server's), or None."""
    from . import shell

    final = st.final(target)
    chain = final.chain()
    root = chain[0]
    envs: dict[str, str | None] = dict(info.env)  # ENV: inherited along the chain
    args: dict[str, str | None] = {}  # ARG: per stage
    env = ChainMap(envs, args)  # what expansion sees: ENV wins over ARG (a view: no copy per line)
    default_user = info.default_user
    user = UserSetting(default_user or "root", default_user or "root", None, None)
    nonroot: list[UserSetting] = []
    created_users: list[CreatedUserAt] = []
    created_groups: dict[str, CreatedGroupAt] = {}
    unnamed_ids: list[tuple[int, int]] = []
    families: list[tuple[str, int]] = []
    installs_shadow = False
    root_runs: list[RootRun] = []
    last_user_inst = None
    shell_cmd = ["/bin/sh", "-c"]
    workdir = info.workdir or "/"
    root_owned = True
    user_dirs: dict[str, None] = {}  # WORKDIRs made by a non-root user (a set, in order)
    volumes: list[tuple[str, int]] = []
    exposes: list[tuple[str, int]] = []
    copies: list[tuple[str, int]] = []
    from_context: list[tuple[list[str], str, int]] = []
    entrypoint = cmd = None
    notes: list[str] = []
    owners: list[Owner] = []
    renames: list[tuple[str, str | None, int]] = []
    subid_users: set[str] = set()
    var_lines: dict[str, int] = {}
    root_envs: dict[str, tuple[str, int]] = {}
    proofs: list[tuple[int, str]] = []
    workdir_line = None
    made_dirs: list[tuple[str, int]] = []
    fills: list[tuple[str, int]] = []
    copy_dests: list[tuple[str, int, bool]] = []
    run_dirs: list[tuple[str, int]] = []
    if user.is_root is False:
        nonroot.append(user)

    def ex(text: str) -> str | None:
        try:
            return expand(text, env, df.escape)
        except Unresolved:
            return None

    for stage in chain:
        in_final = stage is final
        # ARGs do not cross stages; a stage may re-declare a global ARG to use its default
        args = {}
        env = ChainMap(envs, args)
        cmd_here = False  # a CMD of this stage (BuildKit's cmdSet): an ENTRYPOINT after it keeps it
        for inst in stage.instructions:
            c = inst.cmd
            # one instruction's values all see the variables as they were before it
            if c == "arg":
                pairs = [(k, st.global_args.get(k) if v is None else ex(v)) for k, v in arg_pairs(inst)]
                args.update(pairs)
                var_lines.update((k, inst.start_line) for k, _ in pairs)
            elif c == "env":
                raw_pairs = env_pairs(inst)
                values = [ex(v) for _, v in raw_pairs]
                for (k, v), value in zip(raw_pairs, values):
                    before = envs.get(k)
                    envs[k] = value
                    var_lines[k] = inst.start_line
                    now = value if value is not None else v  # `$PATH` of an unknown base: as written
                    # search paths are lists (PATH with ':', LUA_PATH with ';')
                    under_root = [p for p in re.split(r"[:;\s]", now) if p == "/root" or p.startswith("/root/")]
                    if not under_root:
                        root_envs.pop(k, None)
                    elif k not in root_envs or under_root[0] not in re.split(r"[:;\s]", before or ""):
                        root_envs[k] = (under_root[0], inst.start_line)
            elif c == "user":
                raw = inst.value[0] if inst.value else ""
                user = UserSetting(raw, ex(raw), inst.start_line, stage)
                name = (user.value or "").split(":", 1)[0]
                user.uid0 = any(cu.name == name and cu.uid == 0 for cu in created_users)
                if in_final:
                    last_user_inst = inst
                if user.is_root is False:
                    nonroot.append(user)
            elif c == "workdir":
                raw = unquote(inst.value[0]) if inst.value else "/"  # `WORKDIR "/app"`: BuildKit's word processing
                w = ex(raw)
                workdir = _join(workdir, w) if w is not None else workdir
                workdir_line = inst.start_line
                if w is not None:
                    made_dirs.append((workdir, inst.start_line))
                if user.is_root is False:
                    user_dirs[workdir] = None
                    root_owned = False
                else:
                    root_owned = shell.under(workdir, user_dirs) is None
            elif c == "shell":
                shell_cmd = list(inst.value)
            elif c in ("copy", "add"):
                chown = inst.flag("chown")
                user_part = ex(chown.split(":", 1)[0]) if chown else None
                # `COPY a "/srv/app/"`: BuildKit's word processing removes the quotes
                raw_dest = (inst.value[-1] if inst.json else unquote(inst.value[-1])) if inst.value else ""
                dest = ex(raw_dest) if len(inst.value) >= 2 and not inst.heredocs else None
                if user_part and dest is not None:
                    group_part = ex(chown.split(":", 1)[1]) if ":" in chown else None
                    owners.append(Owner(user_part, group_part, [_join(workdir, dest)], inst.start_line, "copies",
                                        shell._plain_var(chown.split(":", 1)[0])))
                if len(inst.value) >= 2 and not inst.heredocs and ex(raw_dest) is not None:
                    dest = ex(raw_dest)
                    copy_dests.append((_join(workdir, dest), inst.start_line, not dest.startswith("/")))
                if inst.flag("from") is None and len(inst.value) >= 2 and not inst.heredocs:
                    dest = ex(raw_dest)
                    if dest is not None:
                        d = _join(workdir, dest)
                        if (dest.endswith("/") or len(inst.value) > 2) and not d.endswith("/"):
                            d += "/"  # into a folder (`COPY x /`: "/", not "//")
                        from_context.append((list(inst.value[:-1]), d, inst.start_line))
                if inst.flag("chown") is None and len(inst.value) >= 2:
                    dest = ex(raw_dest)
                    if dest is not None:
                        d = _join(workdir, dest)
                        if in_final:
                            copies.append((d, inst.start_line))
                        if d == workdir or d.startswith(workdir.rstrip("/") + "/") or not dest.startswith("/"):
                            root_owned = True
            elif c == "volume":
                for v in inst.value:
                    p = ex(v)
                    volumes.append((p if p is not None else v, inst.start_line))
            elif c == "expose":
                exposes += [(p, inst.start_line) for p in inst.value]
            elif c == "entrypoint":
                entrypoint = inst
                if not cmd_here:
                    cmd = None  # an ENTRYPOINT resets a CMD inherited from the stage's base
            elif c == "cmd":
                cmd = inst
                cmd_here = True
            elif c == "run":
                ctx = shell.ShellContext(
                    workdir=workdir,
                    workdir_root_owned=root_owned,
                    user_dirs=user_dirs,
                    env=env,  # read during this RUN only, so not copied
                )
                script, argv = run_script(inst)

                def run_facts(script=script, argv=argv, ctx=ctx):
                    if script is not None and shell_cmd and _is_posix_shell(shell_cmd):
                        return shell.analyze_shell(script, ctx)
                    if script is not None:
                        return shell.analyze_exec(list(shell_cmd) + [script], ctx)
                    return shell.analyze_exec(argv or [], ctx)

                if shells is None:
                    facts = run_facts()
                else:  # everything the analysis reads is in the key
                    facts = shells.get((script, tuple(argv or ()), tuple(shell_cmd or ()), workdir, root_owned,
                                        tuple(user_dirs), tuple(env.items())), run_facts)
                for u in facts.users:
                    created_users.append(CreatedUserAt(u.name, u.uid, u.group, None, inst.start_line, u.spelled,
                                                       u.tool_owner))
                for ch in facts.chowns:
                    if ch.user:
                        owners.append(Owner(ch.user, ch.group, ch.paths, _finding_line(inst, ch, script), "chowns", ch.spelled))
                for r in facts.renames:
                    if not r.group:
                        renames.append((r.old, r.new, inst.start_line))
                        for cu in created_users:
                            if cu.name == r.old and r.uid is not None:
                                cu.uid = r.uid
                subid_users.update(facts.subid_users)
                made_dirs += [(d, inst.start_line) for d in facts.made_dirs]
                fills += [(w, inst.start_line) for w in facts.writes]
                run_dirs.append((workdir, inst.start_line))
                if script is not None and ("/etc/subuid" in script or "/etc/subgid" in script):
                    # `echo "dockremap:165536:65536" >> /etc/subuid`: a user-namespace account
                    for word in re.findall(r"(?<![\w$-])(\$\{?\w+\}?|[a-z_][a-z0-9_-]*):\d+:\d+", script):
                        name = ex(word)
                        if name:
                            subid_users.add(name)
                for g in facts.groups:
                    created_groups[g.name] = CreatedGroupAt(g.gid, inst.start_line)
                unnamed_ids += [(i, inst.start_line) for i in facts.unnamed_ids]
                for fam in facts.families:
                    families.append((fam, inst.start_line))
                if user.line is None:
                    proofs += [(_finding_line(inst, f, script), f.reason) for f in facts.proofs]
                installs_shadow = installs_shadow or facts.installs_shadow
                if in_final and user.is_root is not False and facts.root:
                    reasons = [f"line {_finding_line(inst, f, script)}: {f.reason}" for f in facts.root]
                    root_runs.append(RootRun(inst, reasons))
    for old, new, line in renames:  # a user renamed later is used by its final name
        for u in created_users:
            if u.line < line and u.name == old and not u.gone:
                if new is None or shell.UNKNOWN in new:
                    u.gone = True
                else:
                    u.name, u.spelled = new, None
        for o in owners:
            if o.line < line and o.user == old:
                o.user, o.spelled = ("" if new is None or shell.UNKNOWN in new else new), None
    for u in created_users:
        if u.group is not None:
            g = created_groups.get(u.group)
            u.gid = g.gid if g else None
            if u.gid is None and is_number(u.group):
                u.gid = int(u.group)
        elif u.name in created_groups:
            u.gid = created_groups[u.name].gid
    return Analysis(
        final=final,
        chain=chain,
        base_image=root.image,
        base_unresolved=root.unresolved_var,
        image=info,
        user=user,
        nonroot_users=nonroot,
        created_users=created_users,
        created_groups=created_groups,
        unnamed_ids=unnamed_ids,
        families=families,
        installs_shadow=installs_shadow,
        root_runs=root_runs,
        last_user_inst=last_user_inst,
        shell=shell_cmd,
        env=dict(env),
        workdir=workdir,
        volumes=volumes,
        exposes=exposes,
        copies_no_chown=copies,
        from_context=from_context,
        entrypoint=entrypoint,
        cmd=cmd,
        escape=df.escape,
        notes=notes,
        owners=owners,
        renames=renames,
        subid_users=subid_users,
        var_lines=var_lines,
        root_envs=[(k, p, line) for k, (p, line) in root_envs.items()],
        root_proofs=proofs,
        workdir_line=workdir_line,
        made_dirs=made_dirs,
        fills=fills,
        copy_dests=copy_dests,
        run_dirs=run_dirs,
    )


def _finding_line(inst: Instruction, finding, script: str | None) -> int:
    return inst.line_of(finding.offset) if script is not None and not inst.heredocs else inst.start_line


def stage_proofs(df: Dockerfile, stage: Stage) -> list[tuple[int, str]]:
    """`Analysis.root_proofs` of a stage outside the final chain (one FROM the same base image):
    its RUNs before its first USER that could only have succeeded as root."""
    from . import shell

    out: list[tuple[int, str]] = []
    for inst in stage.instructions:
        if inst.cmd == "user":
            break
        if inst.cmd == "run":
            script, argv = run_script(inst)
            facts = shell.analyze_shell(script) if script is not None else shell.analyze_exec(argv or [])
            out += [(_finding_line(inst, f, script), f.reason) for f in facts.proofs]
    return out


def _is_posix_shell(shell_cmd: list[str]) -> bool:
    if not shell_cmd:
        return False
    name = shell_cmd[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name in POSIX_SHELLS
