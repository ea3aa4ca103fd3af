"""Step 7: plan the edit: where the user block goes, what it says, and why.

`fix(data, options)` runs the whole pipeline on one file's bytes and returns a `Result` with the
new bytes (identical to the input when nothing is to be done), the decision and its reasons.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field

from . import snippets
from .errors import DockerfixError
from .parse import Dockerfile, parse
from .source import decode
from .stages import Analysis, UserSetting, analyze, is_root_user, split_stages


@dataclass(frozen=True)
class Options:
    user: str = "appuser"
    group: str | None = None  # default: same as user
    uid: int | None = None  # default 10001 (scratch: 65534)
    gid: int | None = None  # default: same as uid
    numeric_user: bool = False
    writable: tuple[str, ...] = ()
    target: str | None = None
    always_create: bool = False
    force: bool = False

    def validate(self) -> None:
        """Raise DockerfixError for any value that must never reach generated shell."""
        for what, name in (("--user", self.user), ("--group", self.group)):
            if name is not None and not snippets.valid_name(name):
                raise DockerfixError(
                    f"{what} {name!r} is not a valid user/group name "
                    "(lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)"
                )
        for what, value in (("--uid", self.uid), ("--gid", self.gid)):
            if value is not None and not snippets.valid_id(value):
                raise DockerfixError(f"{what} {value!r} must be an integer from 1 to {snippets.MAX_ID}")
        for p in self.writable:
            if not snippets.valid_path(p):
                raise DockerfixError(
                    f"--writable {p!r} must be an absolute path of letters, digits and ._/@+- only"
                )


DEFAULT_UID = 10001
NOBODY = 65534


@dataclass
class Result:
    changed: bool
    output: bytes
    family: str | None = None
    user_before: str | None = None
    user_after: str | None = None
    insert_after: int | None = None  # 1-based line the block follows
    inserted: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was done
    root_line: int | None = None  # the line that makes the final stage run as root (USER or FROM)
    root_step: str | None = None  # the reason of the last step that needs root, if any
    user_ids: str | None = None  # "uid:gid" of the new USER, when known
    created_user: bool = False


def fix(data: bytes, options: Options = Options(), context: str | None = None) -> Result:
    """The pipeline: bytes -> source -> instructions -> stages -> plan -> bytes.

    `context` is the build context folder (the Dockerfile's folder by default), where an
    ENTRYPOINT script copied into the image can be read."""
    df = parse(decode(data))
    return plan(df, data, options, context)


def describe_user(u: UserSetting) -> str:
    if u.line is None:
        return f"{u.value or u.raw} (the base image's default)" if u.raw != "root" else "root (no USER: the default)"
    shown = u.raw if u.value in (None, u.raw) else f"{u.raw} = {u.value}"
    return f"{shown} (USER on line {u.line})"


IGNORE_RE = re.compile(r"^\ufeff?[ \t]*#[ \t]*dockerfix:[ \t]*ignore(?:[ \t].*)?$", re.IGNORECASE)


def ignore_comment(df: Dockerfile, before_line: int, whole_file: bool) -> int | None:
    """The line of a `# dockerfix: ignore` comment that applies: in the file's leading comments
    (`whole_file`), or in the comment lines right above line `before_line` (a stage's FROM)."""
    lines = df.source.lines
    if whole_file:
        first = df.instructions[0].start_line if df.instructions else len(lines) + 1
        for i in range(first - 1):
            if IGNORE_RE.match(lines[i].rstrip("\r\n")):
                return i + 1
        return None
    i = before_line - 2
    while i >= 0 and lines[i].lstrip(" \t\ufeff").startswith("#"):
        if IGNORE_RE.match(lines[i].rstrip("\r\n")):
            return i + 1
        i -= 1
    return None


def plan(df: Dockerfile, data: bytes, options: Options, context: str | None = None) -> Result:
    line = ignore_comment(df, 0, whole_file=True)
    if line is not None:
        return Result(False, data, skipped=f"line {line}: `# dockerfix: ignore` at the top of the file")
    st = split_stages(df)
    an = analyze(df, st, options.target)
    line = ignore_comment(df, an.final.from_inst.start_line, whole_file=False)
    if line is not None:
        return Result(False, data, skipped=f"line {line}: `# dockerfix: ignore` above the stage's FROM")
    u = an.user
    before = describe_user(u)
    family, family_why = _family(an)
    result = Result(False, data, family=family, user_before=before)
    if u.is_root is None:
        result.skipped = (
            f"the final stage's user {u.raw!r} (line {u.line}) cannot be resolved here; "
            "dockerfix cannot tell whether it is root"
        )
        return result
    if u.is_root is False:
        result.skipped = f"the final stage already runs as {before}, not root"
        result.user_after = before
        return result

    result.root_line = u.line if u.line is not None else an.final.from_inst.start_line
    drop = privilege_drop(an, context)
    if drop is not None and not options.force:
        result.skipped = f"{drop}; adding USER would skip its root-only setup (--force fixes it anyway)"
        return result
    if drop is not None:
        result.warnings.append(f"--force: {drop}; check that its setup still works as the new user")

    result.reasons.append(family_why)
    info = an.image
    anchor = an.final.from_inst
    for rr in an.root_runs:
        if rr.inst.end_line > anchor.end_line:
            anchor = rr.inst
    if an.last_user_inst is not None and an.last_user_inst.end_line > anchor.end_line:
        anchor = an.last_user_inst
    if an.root_runs:
        result.reasons += an.root_runs[-1].reasons
        result.root_step = an.root_runs[-1].reasons[-1]
    if anchor is an.final.from_inst:
        result.reasons.append(f"line {anchor.start_line}: no RUN in the final stage needs root")
    elif anchor is an.last_user_inst:
        result.root_step = f"line {anchor.start_line}: USER {anchor.args} switches to root"
        result.reasons.append(result.root_step)

    has_shell = info.shell and family not in ("scratch", "windows")
    writable = _writable_paths(an, options, result)
    lines: list[str] = []

    if family == "windows":
        user_line = "ContainerUser"
        result.reasons.append("Windows images run as ContainerUser, the built-in unprivileged account")
    else:
        reuse = None if options.always_create else _reuse(an, options, result)
        if reuse is not None:
            user_line, owner = reuse
            if all(snippets.is_number(p) for p in owner.split(":")):
                result.user_ids = owner
            if writable and has_shell:
                lines += _run(an, snippets.writable(writable, owner))
        elif not has_shell:
            if info.reuse_user and info.reuse_user in info.users:
                uid, gid = info.users[info.reuse_user].split(":")
                user_line = f"{uid}:{gid}" if options.numeric_user else info.reuse_user
                result.user_ids = f"{uid}:{gid}"
                result.reasons.append(
                    f"{an.base_image} has no shell; it ships user {info.reuse_user} ({uid}:{gid})"
                )
            else:
                uid = options.uid or NOBODY
                gid = options.gid or (options.uid or NOBODY)
                user_line = f"{uid}:{gid}"
                result.user_ids = user_line
                result.reasons.append(
                    f"{an.base_image or 'the base image'} has no shell: no user can be created, "
                    "so a numeric USER is used"
                )
            if writable:
                result.warnings.append(
                    "no shell in the final image: writable paths "
                    + ", ".join(writable)
                    + " cannot be created here; create them in a builder stage and COPY --chown them"
                )
        else:
            new = snippets.NewUser(
                name=options.user,
                group=options.group or options.user,
                uid=options.uid or DEFAULT_UID,
                gid=options.gid or options.uid or DEFAULT_UID,
            )
            _check_clash(an, new)
            useradd = info.has_useradd or an.installs_shadow
            cmds = snippets.create_user(new, family, useradd)
            cmds += snippets.writable(writable, f"{new.uid}:{new.gid}")
            lines += _run(an, cmds)
            user_line = f"{new.uid}:{new.gid}" if options.numeric_user else new.name
            result.created_user = True
            result.user_ids = f"{new.uid}:{new.gid}"
            if family == "unknown":
                how = "with commands that work on any Linux"
            elif family in snippets.SHADOW_FAMILIES and not useradd:
                how = f"without useradd ({an.base_image} has no shadow-utils), with commands that work on any Linux"
            else:
                how = f"the {family} way"
            result.reasons.append(f"created user {new.name} ({new.uid}:{new.gid}) {how}")
    lines.append(f"USER {user_line}")
    if anchor.heredocs and _blank_or_end(df, anchor.end_line + 1):
        # hadolint 2.12 cannot parse an instruction right after a heredoc terminator, only after a
        # blank line: keep the file as readable to it as it was (BuildKit accepts both)
        lines.insert(0, "")
    result.user_after = user_line
    result.insert_after = anchor.end_line
    result.inserted = lines
    _warnings(an, writable, result)
    new_source = df.source.with_inserted(anchor.end_line, lines)
    result.output = new_source.encode()
    result.changed = result.output != data
    return result


# --- pieces ---------------------------------------------------------------------------------------


def _family(an: Analysis) -> tuple[str, str]:
    info = an.image
    if an.families:
        fam, line = an.families[-1]
        return fam, f"line {line}: its package manager makes this {'an' if fam[0] in 'aeiou' else 'a'} {fam}-family image"
    if an.shell and an.shell[0].lower().replace("\\", "/").rsplit("/", 1)[-1] in (
        "powershell", "powershell.exe", "pwsh", "pwsh.exe", "cmd", "cmd.exe"
    ):
        return "windows", "SHELL is a Windows shell"
    if an.base_image is None:
        return "unknown", (
            f"the base image comes from ${{{an.base_unresolved}}} with no default: "
            "using commands that work on any Linux"
        )
    raw = an.chain[0].image_raw
    if "$" in raw:
        # `ARG BASE=debian:…` + `FROM ${BASE}`: --build-arg can swap the base for another distro
        return "unknown", (
            f"the base image comes from {raw} (default {an.base_image}), which --build-arg can change: "
            "using commands that work on any Linux"
        )
    if info.family != "unknown":
        return info.family, f"base image {an.base_image} is {info.family}-family ({info.matched})"
    return "unknown", f"base image {an.base_image} is not in dockerfix's image list: using commands that work on any Linux"


def _reuse(an: Analysis, options: Options, result: Result) -> tuple[str, str] | None:
    """(USER value, chown owner) of an existing non-root user to switch back to, if any."""
    # a name the Dockerfile (re)creates with uid 0 anywhere is root by the end: never switch to it
    uid0 = {cu.name for cu in an.created_users if cu.uid == 0}
    for u in reversed(an.nonroot_users):
        value = u.value or ""
        name, _, group = value.partition(":")
        if not _ok_user_part(name) or (group and not _ok_user_part(group)):
            result.warnings.append(f"line {u.line}: USER {u.raw!r} is not a plain user name or id; not reused")
            continue
        if name in uid0:
            result.warnings.append(f"line {u.line}: user {name} is also created with uid 0 (root); not reused")
            continue
        if options.numeric_user and not snippets.is_number(name):
            ids = _ids_of(an, name)
            if ids is None:
                result.warnings.append(
                    f"--numeric-user: the uid of {name} is not known from the Dockerfile; using its name"
                )
            else:
                value = ids
        where = f"line {u.line}" if u.line else "the base image"
        result.reasons.append(f"{where}: reusing the existing non-root user {u.value}")
        return value, value
    for cu in reversed(an.created_users):
        if is_root_user(cu.name) or cu.uid == 0:
            result.warnings.append(f"line {cu.line}: user {cu.name} has uid 0 (it is root); not reused")
            continue
        if cu.name in uid0:
            result.warnings.append(f"line {cu.line}: user {cu.name} is also created with uid 0 (root); not reused")
            continue
        if not snippets.valid_name(cu.name):
            result.warnings.append(f"line {cu.line}: user name {cu.name!r} is not a plain name; not reused")
            continue
        value = cu.name
        if options.numeric_user:
            if cu.uid is not None:
                value = f"{cu.uid}:{cu.gid}" if cu.gid is not None else str(cu.uid)
            else:
                result.warnings.append(
                    f"--numeric-user: line {cu.line} creates {cu.name} without a fixed uid; using its name"
                )
        result.reasons.append(f"line {cu.line}: reusing user {cu.name}, created there")
        owner = f"{cu.uid}:{cu.gid}" if cu.uid is not None and cu.gid is not None else cu.name
        return value, owner
    info = an.image
    if options.user in info.users and info.shell:
        # `--user node` on an image that ships node: switch to it (creating it again would fail)
        ids = info.users[options.user]
        result.reasons.append(f"base image {an.base_image} ships user {options.user} ({ids}); switching to it")
        return (ids if options.numeric_user else options.user), ids
    if info.reuse_user and info.shell and info.reuse_user in info.users:
        ids = info.users[info.reuse_user]
        value = ids if options.numeric_user else info.reuse_user
        result.reasons.append(
            f"base image {an.base_image} ships the non-root user {info.reuse_user} ({ids}); "
            "switching to it instead of creating another (--always-create creates one)"
        )
        return value, ids
    return None


def _check_clash(an: Analysis, new: snippets.NewUser) -> None:
    """Raise when creating `new` would fail the build: its name, group or ids are already taken by a
    user the Dockerfile creates (and that could not be reused) or one the base image ships."""
    from_line = an.final.from_inst.start_line
    for cu in reversed(an.created_users):
        if cu.name in (new.name, new.group) or (cu.group and cu.group in (new.name, new.group)):
            root = " with uid 0 (root)" if cu.uid == 0 else ""
            raise DockerfixError(
                f"the new user {new.name}:{new.group} clashes with user {cu.name}{root}, created here; "
                "choose another name with --user/--group",
                cu.line,
            )
        if new.uid == cu.uid or (cu.gid is not None and new.gid == cu.gid):
            raise DockerfixError(
                f"the new user's ids {new.uid}:{new.gid} are already used by user {cu.name} "
                f"({cu.uid}:{cu.gid}), created here; choose other ids with --uid/--gid",
                cu.line,
            )
    for group, g in an.created_groups.items():
        if group in (new.name, new.group):
            raise DockerfixError(
                f"the new user {new.name}:{new.group} clashes with group {group}, created here; "
                "choose another name with --user/--group",
                g.line,
            )
        if g.gid is not None and g.gid == new.gid:
            raise DockerfixError(
                f"the new user's ids {new.uid}:{new.gid} are already used by group {group} ({g.gid}), "
                "created here; choose other ids with --uid/--gid",
                g.line,
            )
    for taken_id, line in an.unnamed_ids:
        if taken_id in (new.uid, new.gid):
            raise DockerfixError(
                f"the new user's ids {new.uid}:{new.gid} are already used by a user or group created here "
                "(its name is only known at build time); choose other ids with --uid/--gid",
                line,
            )
    info = an.image
    for name, ids in info.users.items():
        uid, _, gid = ids.partition(":")
        if name in (new.name, new.group):
            raise DockerfixError(
                f"base image {an.base_image} already ships user {name} ({ids}); "
                "choose another name with --user/--group",
                from_line,
            )
        if uid == str(new.uid) or gid == str(new.gid):
            raise DockerfixError(
                f"base image {an.base_image} already uses ids {ids} (user {name}): pass --user {name} "
                "to switch to it, or choose other ids with --uid/--gid",
                from_line,
            )


DROP_RE = re.compile(
    r"(?<![\w./-])(?:/[\w./-]*/)?(gosu|su-exec|suexec|s6-setuidgid|setuidgid|runuser)(?![\w.-])"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(setpriv)\b[^\n]*--re[ug]id"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(chpst)\b[^\n]*\s-u"
    r"|(?<![\w./-])(?:/[\w./-]*/)?(chroot)\b[^\n]*--userspec"
    r"|(?<![\w./-])(su)\s+(?:-[\w-]+\s+)*[\w$\"'{}-]+\s+(?:-[\w-]+\s+)*-c\b"
)


def _drop_tool(text: str) -> str | None:
    """The privilege-dropping tool a script or command line uses, if any (comments ignored)."""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = DROP_RE.search(line)
        if m:
            return next(g for g in m.groups() if g)
    return None


def _program(inst) -> tuple[str | None, str]:
    """(the program an ENTRYPOINT/CMD runs, its whole text)."""
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


def privilege_drop(an: Analysis, context: str | None) -> str | None:
    """Why the image's entrypoint already starts as root and drops privileges itself, or None."""
    info = an.image
    ep = an.entrypoint
    scripts: dict = {}

    def script_of(prog):  # each program's script is looked up (globbed, read) once
        if prog not in scripts:
            scripts[prog] = _context_script(an, prog, context)
        return scripts[prog]

    for inst in (ep, an.cmd if ep is None or _program(ep)[0] in _SHELLS else None):
        if inst is None:
            continue
        prog, text = _program(inst)
        tool = _drop_tool(text)
        if tool:
            return f"line {inst.start_line}: {inst.keyword} drops privileges itself with {tool}"
        script = script_of(prog)
        if script is not None:
            path, line, body = script
            tool = _drop_tool(body)
            if tool:
                return (
                    f"line {inst.start_line}: the {inst.keyword} script {path} (copied from the build context "
                    f"on line {line}) drops privileges itself with {tool}"
                )
    tool_line = _installs_drop_tool(an)
    runner = ep or an.cmd
    if tool_line is not None and runner is not None:
        prog = _program(runner)[0]
        if script_of(prog) is None:
            tool, line = tool_line
            return (
                f"line {line} brings {tool} into the image, and {runner.keyword} on line {runner.start_line} runs "
                f"{prog}, which dockerfix cannot read here: it most likely starts as root and drops privileges with {tool}"
            )
    if info.drops_privileges:
        prog = _program(ep)[0] if ep is not None else None
        if ep is None or (prog and "docker-entrypoint" in prog.rsplit("/", 1)[-1]
                          and script_of(prog) is None):
            who = f" to {info.reuse_user}" if info.reuse_user else ""
            return f"base image {an.base_image} starts as root and its entrypoint drops privileges{who} itself"
    return None


INSTALL_DROP_RE = re.compile(r"(?<![\w-])(gosu|su-exec|suexec|s6-setuidgid|s6-overlay)(?![\w-])")


def _installs_drop_tool(an: Analysis) -> tuple[str, int] | None:
    """(tool, line) when a RUN/COPY/ADD of the final stage's chain brings in a privilege-drop tool."""
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd in ("run", "copy", "add"):
                m = INSTALL_DROP_RE.search(inst.original)
                if m:
                    return m.group(1), inst.start_line
    return None


_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env", "dumb-init", "/usr/bin/dumb-init", "tini",
           "/sbin/tini", "/usr/bin/tini", "/tini"}


def _context_script(an: Analysis, prog: str | None, context: str | None):
    """(path, COPY line, text) of the file `prog` names when a COPY brought it from the context."""
    if not prog or context is None:
        return None
    import glob
    import os
    import posixpath

    base = posixpath.basename(prog)
    for sources, dest, line in reversed(an.from_context):
        for src in sources:
            target = dest + posixpath.basename(src.rstrip("/")) if dest.endswith("/") else dest
            if not (target == prog or ("/" not in prog and posixpath.basename(target) == base)
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


def _blank_or_end(df: Dockerfile, line: int) -> bool:
    lines = df.source.lines
    return line > len(lines) or not lines[line - 1].strip()


def _ok_user_part(part: str) -> bool:
    return snippets.valid_name(part) or snippets.valid_id(part)


def _ids_of(an: Analysis, name: str) -> str | None:
    for cu in reversed(an.created_users):
        if cu.name == name and cu.uid is not None:
            return f"{cu.uid}:{cu.gid}" if cu.gid is not None else str(cu.uid)
    ids = an.image.users.get(name)
    return ids


def _writable_paths(an: Analysis, options: Options, result: Result) -> list[str]:
    out: list[str] = []
    for path, line in an.volumes:
        if snippets.valid_path(path):
            if path not in out:
                out.append(path)
        else:
            result.warnings.append(
                f"line {line}: VOLUME {path!r} is not a plain absolute path; make sure the user can write it"
            )
    for p in options.writable:
        if p not in out:
            out.append(p)
    return out


def _run(an: Analysis, cmds: list[str]) -> list[str]:
    """One RUN instruction, one command per line, in the file's own escape character."""
    if not cmds:
        return []
    from .stages import _is_posix_shell

    if not _is_posix_shell(an.shell):
        import json

        script = " && ".join(" ".join(p.strip() for p in c.split("\n")) for c in cmds)
        return ["RUN " + json.dumps(["/bin/sh", "-c", script])]
    esc = an.escape
    text = cmds[0] + "".join(f"\n    && {c}" for c in cmds[1:])
    parts = text.split("\n")
    return [f"RUN {parts[0]} {esc}"] + [f"{p} {esc}" for p in parts[1:-1]] + [parts[-1]] if len(parts) > 1 else [f"RUN {parts[0]}"]


def _warnings(an: Analysis, writable: list[str], result: Result) -> None:
    for port, line in an.exposes:
        num = port.split("/", 1)[0]
        if snippets.is_number(num) and 0 < int(num) < 1024:
            result.warnings.append(
                f"line {line}: EXPOSE {port}: a non-root process can bind ports below 1024 on "
                "Docker 20.10 and later, but not on Kubernetes by default; prefer a port >= 1024"
            )
    for dest, line in an.copies_no_chown:
        for w in writable:
            if dest == w or dest.startswith(w.rstrip("/") + "/"):
                result.warnings.append(
                    f"line {line}: files copied into {dest} without --chown stay owned by root, "
                    f"but the program writes {w}; add --chown to that COPY"
                )
