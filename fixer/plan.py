"""Step 7: plan the edit: where the user block goes, what it says, and why.

`result_for(ctx, decision, data)` turns decide's decision into the file's `Result`: the new bytes
(identical to the input when nothing is to be done), the decision and its reasons. The whole
pipeline on one file's bytes is `pipeline.fix`.
"""

from __future__ import annotations

from . import images, shell, snippets
from .errors import DockerfixError
from .parse import Dockerfile
from .record import dataclass
from .result import Result
from .stages import Analysis, Unresolved, UserSetting, describe_user, expand, is_root_user


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
    force: tuple[str, ...] = ()  # rule names to override (`all`: every rule that can be)
    openshift: bool = False  # arbitrary uids: group 0 with the owner's rights, numeric USER

    def validate(self) -> None:
        """Raise DockerfixError, naming the option, for any value that must never reach generated
        shell, that would make root or a system account the container user, that would fail the
        build whatever the base image, or that would hand a system folder to the new user (see
        `snippets.system_account`, `snippets.taken_everywhere`, `snippets.writable_path`)."""
        for what, name in (("--user", self.user), ("--group", self.group)):
            if name is not None and not snippets.valid_name(name):
                raise DockerfixError(
                    f"{what} {name!r} is not a valid user/group name "
                    "(lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)"
                )
        why = snippets.system_account(self.user)
        if why:
            raise DockerfixError(f"--user {self.user}: {self.user} {why}; choose another name")
        group = self.group or self.user
        why = snippets.system_account(group, group=True)
        if why:
            what = "--group" if self.group else "--user"
            named = "" if self.group else " (the new group is named after the user; --group names another)"
            raise DockerfixError(f"{what} {group}: {group} {why}{named}; choose another name")
        if self.openshift and self.gid not in (None, 0):
            raise DockerfixError(f"--gid {self.gid}: with --openshift the user's group is 0 (root's group, which "
                                 "OpenShift runs every arbitrary uid in); leave --gid out or pass --gid 0")
        for what, value in (("--uid", self.uid), ("--gid", self.gid)):
            if what == "--gid" and value == 0 and self.openshift:
                continue
            if what == "--gid" and value == 0:
                raise DockerfixError("--gid 0 is root's group: allowed only with --openshift, where arbitrary "
                                     "uids run in group 0 by design")
            if value is not None and not snippets.valid_id(value):
                root = " (0 is root's)" if value == 0 else ""
                raise DockerfixError(f"{what} {value!r} must be an integer from 1 to {snippets.MAX_ID}{root}")
        for what, kw in (("--uid", {"uid": self.uid}), ("--gid", {"gid": self.gid or self.uid})):
            value = next(iter(kw.values()))
            if what == "--gid" and self.openshift:
                continue  # the group is root's, which exists everywhere
            taken = snippets.taken_everywhere(**kw) if value is not None else None
            if taken:
                if what == "--gid" and self.gid is None:
                    what = "--uid"  # the gid defaults to the uid
                raise DockerfixError(
                    f"{what} {value}: every base image already has that id ({taken[0]} family: {taken[1]}); "
                    f"choose another (from 1000 up; the default is {DEFAULT_UID})"
                )
        if self.force:
            from .rules import BY_NAME, FORCEABLE

            for name in self.force:
                if name == "all" or name in FORCEABLE:
                    continue
                if name in BY_NAME:
                    raise DockerfixError(f"--force {name}: this rule cannot be overridden ({BY_NAME[name].summary})")
                raise DockerfixError(f"--force {name!r} is not a rule; rules: all, " + ", ".join(FORCEABLE))
        for p in self.writable:
            why = snippets.writable_path(p)[1]
            if why:
                raise DockerfixError(_writable_refused(p, why))


def _writable_refused(path: str, why: str) -> str:
    """The error for a --writable path that `snippets.writable_path` refused (`why`)."""
    if not snippets.PATH_RE.match(path):
        return f"--writable {path!r} must be an absolute path of letters, digits and ._/@+- only"
    if "'..'" in why:
        return f"--writable {path}: {path} {why}; write the path without them"
    return (
        f"--writable {path}: {path} {why}; only data folders can be handed to the new user "
        "(/var/lib/NAME, /var/log/NAME, /opt/NAME, /srv/NAME, /home/NAME, /data, /app/uploads, ...): "
        "owning a system folder would let it change what root trusts, such as /etc/passwd"
    )


DEFAULT_UID = 10001
NOBODY = 65534


def result_for(ctx, decision, data: bytes) -> Result:
    """The plan step of the pipeline (`pipeline.fix`): the Result of decide's `decision` on the
    file whose bytes are `data` and whose `decide.Context` is `ctx`: the reasons a rule left it
    alone, or the user block, where it goes and why."""
    from .decide import program

    options = ctx.options
    if decision.leave is not None:
        result = Result(False, data, skipped=decision.leave.reason, rule=decision.leave.rule)
        if decision.leave.rule != "ignored":
            result.family = _family(ctx.an)[0]
            result.user_before = describe_user(ctx.an.user)
            if ctx.an.user.is_root is False:
                result.user_after = result.user_before
            else:
                result.root_line = _root_line(ctx.an)
            _lookup_note(ctx.an, result)
        return result
    prog = ctx.an.entrypoint or ctx.an.cmd
    found = ctx.script(program(prog)[0]) if prog is not None else None
    result = plan(ctx.df, ctx.an, data, options, decision.forced, context=ctx.context, path=ctx.path,
                  script=found[2] if found else None)
    _lookup_note(ctx.an, result)
    return result


def _lookup_note(an: Analysis, result: Result) -> None:
    """A failed look-up of the base image is a reason (`base: registry unreachable: ...`), never an error."""
    if an.image.lookup_note:
        result.reasons.append(an.image.lookup_note)


def _root_line(an: Analysis) -> int:
    """The line that makes the final stage run as root: its USER, or its FROM."""
    return an.user.line if an.user.line is not None else an.final.from_inst.start_line


def plan(df: Dockerfile, an: Analysis, data: bytes, options: Options, forced=(), context: str | None = None,
         path: str | None = None, script: str | None = None) -> Result:
    """Where the user block goes and what it says, for a final stage that runs as root and that
    the decide step chose to fix (`forced`: the rules overridden with --force, as warnings;
    `context`, `path`: the build context and the Dockerfile, where data copied into the working
    folder is read; `script`: the text of the entrypoint script, when read from the context)."""
    from . import writable as program_writes

    u = an.user
    family, family_why = _family(an)
    result = Result(False, data, family=family, user_before=describe_user(u))
    result.root_line = _root_line(an)
    for leave in forced:
        result.warnings.append(f"--force {leave.rule}: {leave.reason}; check that the image still works as the new user")

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
    writable: list = list(_writable_paths(an, options, result))
    needs = program_writes.Needs()
    if has_shell:
        needs = program_writes.needs(an, context, path, "the new user")
        result.reasons += needs.reasons
        result.warnings += needs.warnings
        # the working folder and the folders made for data first, then VOLUMEs and --writable
        writable = [p for p in needs.paths if not p.recursive and p.line] + [
            p for p in writable if p not in {q.path for q in needs.paths}] + [
            p for p in needs.paths if not p.line]
    anchor = _move_below(an, anchor, needs.after, "data copied into the working folder", result)
    for p in needs.paths:  # a folder made before the block exists; one made after is created first
        p.create = p.create and not (0 < p.line <= anchor.end_line)
    relocation = None
    handled_envs: set = set()
    lines: list[str] = []
    env_lines: list[str] = []

    if family == "windows":
        user_line = "ContainerUser"
        result.reasons.append("Windows images run as ContainerUser, the built-in unprivileged account")
    else:
        reuse = None if options.always_create else _reuse(an, options, result, family, anchor.end_line)
        if reuse is not None:
            user_line, owner = reuse
            if all(snippets.is_number(p) for p in owner.split(":")):
                result.user_ids = owner
            if options.openshift:
                user_line, owner = _openshift_ids(user_line, owner, result)
            if writable and has_shell:
                lines += _run(an, snippets.writable(writable, owner, options.openshift))
        elif not has_shell:
            ids = info.users.get(info.reuse_user, "") if info.reuse_user else ""
            if ":" in ids and all(snippets.is_number(p) for p in ids.split(":")):
                # (a Windows account such as ContainerUser has no uid:gid: not usable here)
                uid, gid = ids.split(":")
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
                group="root" if options.openshift else (options.group or options.user),
                uid=options.uid or DEFAULT_UID,
                gid=0 if options.openshift else (options.gid or options.uid or DEFAULT_UID),
            )
            _check_clash(an, new, family, options, result)
            useradd = info.has_useradd or an.installs_shadow
            cmds = snippets.create_user(new, family, useradd)
            owner = f"{new.uid}:{new.gid}"
            relocation = program_writes.relocate_root(an, df, new.home, owner, anchor.end_line, script)
            anchor = _move_below(an, anchor, relocation.after, "what it puts under /root", result)
            cmds += snippets.writable(writable, owner, options.openshift)
            cmds += relocation.commands
            result.reasons += relocation.reasons
            result.warnings += relocation.warnings
            handled_envs = relocation.handled
            env_lines = [f"ENV {e}" for e in relocation.env]
            lines += _run(an, cmds)
            user_line = f"{new.uid}:{new.gid}" if options.numeric_user else new.name
            if options.openshift:
                user_line = str(new.uid)
                result.reasons.append(f"--openshift: the user's group is 0 (OpenShift runs any uid in group 0), "
                                      f"writable paths get the owner's rights for the group (chmod g=u), USER {new.uid}")
            result.created_user = True
            result.user_ids = f"{new.uid}:{new.gid}"
            if family == "unknown":
                how = "with commands that work on any Linux"
            elif family in snippets.SHADOW_FAMILIES and not useradd:
                base = an.base_image or "the base image"
                has = f"{base} has none" if info.useradd is False else f"dockerfix does not know that {base} has it"
                how = f"without useradd ({has}), with commands that work on any Linux"
            else:
                how = f"the {images.FAMILY_NAMES.get(family, family)} way"
            result.reasons.append(f"created user {new.name} ({new.uid}:{new.gid}) {how}")
    lines += env_lines
    lines.append(f"USER {user_line}")
    if anchor.heredocs and _blank_or_end(df, anchor.end_line + 1):
        # hadolint 2.12 cannot parse an instruction right after a heredoc terminator, only after a
        # blank line: keep the file as readable to it as it was (BuildKit accepts both)
        lines.insert(0, "")
    result.user_after = user_line
    result.insert_after = anchor.end_line
    result.inserted = lines
    _warnings(an, writable, result, handled_envs, anchor.end_line)
    new_source = df.source.with_inserted(anchor.end_line, lines)
    result.output = new_source.encode()
    result.changed = result.output != data
    return result


def _move_below(an: Analysis, anchor, line: int, what: str, result: Result):
    """The instruction of the final stage that holds `line`, when it comes after `anchor`: the block
    follows it (each instruction in between ran as root in the original file too)."""
    if line <= anchor.end_line:
        return anchor
    for inst in an.final.instructions:
        if inst.start_line <= line <= inst.end_line:
            result.reasons.append(f"line {inst.start_line}: the user block follows it, after {what}")
            return inst
    return anchor


def _openshift_ids(user_line: str, owner: str, result: Result) -> tuple[str, str]:
    """--openshift with a user the image already has: its uid in USER, group 0 for what it writes."""
    uid = (result.user_ids or "").split(":")[0]
    base = owner.split(":")[0]
    if uid:
        result.reasons.append(f"--openshift: USER {uid}; writable paths belong to group 0 with the owner's rights")
        return uid, f"{base}:0"
    result.warnings.append(f"--openshift: the uid of {user_line} is not known here: USER stays a name, which "
                           "OpenShift's restricted policy cannot check; give the user a fixed uid")
    return user_line, f"{base}:0"


# --- pieces ---------------------------------------------------------------------------------------


def _family(an: Analysis) -> tuple[str, str]:
    info = an.image
    if an.families:
        fam, line = an.families[-1]
        return fam, f"line {line}: its package manager makes this {images.describe_family(fam)}"
    if info.family in ("unknown", "windows") and an.shell and an.shell[0].lower().replace("\\", "/").rsplit("/", 1)[-1] in (
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
        return info.family, images.describe(an.base_image, info)
    return "unknown", f"base image {an.base_image} is not in dockerfix's image list: using commands that work on any Linux"


# distro accounts meant to run services, which a Dockerfile may hand its files to (the others,
# such as daemon, bin, mail or _apt, belong to the system: never the container's user)
SERVICE_ACCOUNTS = ("www-data", "nobody")


def _reuse(an: Analysis, options: Options, result: Result, family: str, before: int) -> tuple[str, str] | None:
    """(USER value, chown owner) of an existing non-root user to switch to, if any: a non-root
    USER the file switched away from, else the last user the final stage hands its runtime paths
    to, else the last user it creates, else the base image's own (`before`: the line the USER
    line will follow, where its variables must already be set)."""
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
        if "$" in u.raw and u.line is not None:
            if not _spelling_holds(an, u.raw, value, before):
                result.warnings.append(
                    f"line {u.line}: USER {u.raw} would not expand to {value} where USER goes; not reused")
                continue
            value = u.raw
        elif options.numeric_user and not snippets.is_number(name):
            ids = _ids_of(an, name, family)
            if ids is None:
                result.warnings.append(
                    f"--numeric-user: the uid of {name} is not known from the Dockerfile; using its name"
                )
            else:
                value = ids
        where = f"line {u.line}" if u.line else "the base image"
        result.reasons.append(f"{where}: reusing the existing non-root user {u.value}")
        return value, value
    refused: set[str] = set()  # users already refused, with a warning
    for o in reversed(an.owners):
        got = _owner(an, o, options, result, family, before, uid0, refused)
        if got is not None:
            return got
    for cu in reversed(an.created_users):
        if cu.gone:
            continue
        if is_root_user(cu.name) or cu.uid == 0:
            result.warnings.append(f"line {cu.line}: user {cu.name} has uid 0 (it is root); not reused")
            continue
        if cu.name in uid0:
            result.warnings.append(f"line {cu.line}: user {cu.name} is also created with uid 0 (root); not reused")
            continue
        if not snippets.valid_name(cu.name):
            result.warnings.append(f"line {cu.line}: user name {cu.name!r} is not a plain name; not reused")
            continue
        why = _not_a_service_user(an, cu.name)
        if why and cu.name not in refused:
            refused.add(cu.name)
            result.warnings.append(f"line {cu.line}: user {cu.name} {why}; not switched to")
            continue
        if why:
            continue
        value = cu.name
        if cu.spelled:
            if not _spelling_holds(an, cu.spelled, cu.name, before):
                result.warnings.append(_spelling_warning(cu.line, cu.spelled, cu.name))
                continue
            value = cu.spelled
        elif options.numeric_user:
            if cu.uid is not None:
                value = f"{cu.uid}:{cu.gid}" if cu.gid is not None else str(cu.uid)
            else:
                result.warnings.append(
                    f"--numeric-user: line {cu.line} creates {cu.name} without a fixed uid; using its name"
                )
        if cu.spelled:
            result.reasons.append(f"line {cu.line}: reusing user {cu.spelled} ({cu.name} by default), created there: "
                                  f"USER {cu.spelled} follows --build-arg")
        else:
            result.reasons.append(f"line {cu.line}: reusing user {cu.name}, created there")
        owner = f"{cu.uid}:{cu.gid}" if cu.uid is not None and cu.gid is not None else (
            f'"{cu.spelled}"' if cu.spelled else cu.name)
        return value, owner
    info = an.image
    if options.user in info.users and info.shell and not snippets.system_account(options.user):
        # `--user node` on an image that ships node: switch to it (creating it again would fail)
        ids = info.users[options.user]
        name = an.final_name(options.user)
        if name is not None:
            result.reasons.append(f"base image {an.base_image} ships user {options.user} ({ids}); switching to it")
            return (ids if options.numeric_user else name), ids
    if info.reuse_user and info.shell and info.reuse_user in info.users:
        ids = info.users[info.reuse_user]
        name = an.final_name(info.reuse_user)
        if name is None:
            result.warnings.append(f"the base image's user {info.reuse_user} is deleted or renamed here; not reused")
            return None
        value = ids if options.numeric_user else name
        renamed = f" (renamed {name} here)" if name != info.reuse_user else ""
        result.reasons.append(
            f"base image {an.base_image} ships the non-root user {info.reuse_user} ({ids}){renamed}; "
            "switching to it instead of creating another (--always-create creates one)"
        )
        return value, ids
    return None


def _owner(an: Analysis, o, options: Options, result: Result, family: str, before: int,
           uid0: set[str], refused: set[str]) -> tuple[str, str] | None:
    """The user a runtime path of the final stage is handed to (`chown`, `COPY --chown`), as (USER
    value, chown owner), or None (with a warning when the file's choice is refused)."""
    paths = [p for p in o.paths if not p.startswith(("/tmp/", "/var/tmp/", shell.UNKNOWN)) and p not in ("/tmp", "/var/tmp")]
    name = o.user
    if not name or not paths or is_root_user(name) or name in uid0:
        return None  # a temporary folder, root's own files, or a user deleted or renamed unknowably
    if snippets.is_number(name):
        # numbers need no passwd entry, but without a group the process would get root's (gid 0)
        if o.group and snippets.is_number(o.group) and snippets.valid_id(name) and snippets.valid_id(o.group):
            result.reasons.append(f"line {o.line} {_did(o, paths[0], f'{name}:{o.group}')}: switching to {name}:{o.group}")
            return f"{name}:{o.group}", f"{name}:{o.group}"
        return None
    where = f"line {o.line} {_did(o, paths[0], name)}"
    if not snippets.valid_name(name):
        result.warnings.append(f"line {o.line}: {name!r} is not a plain user name; not switched to")
        return None
    if name not in SERVICE_ACCOUNTS and snippets.system_account(name):
        result.warnings.append(f"line {o.line}: {name} is a system account of the base images, not a service "
                               f"user; not switched to (it owns {paths[0]})")
        return None
    why = _not_a_service_user(an, name, paths)
    if why:
        refused.add(name)
        result.warnings.append(f"line {o.line}: user {name} {why}; not switched to")
        return None
    value, owner = name, name
    if o.spelled:
        if not _spelling_holds(an, o.spelled, name, before):
            result.warnings.append(_spelling_warning(o.line, o.spelled, name))
            return None
        value, owner = o.spelled, f'"{o.spelled}"'
    elif options.numeric_user:
        ids = _ids_of(an, name, family)
        if ids is None:
            result.warnings.append(f"--numeric-user: the uid of {name} is not known from the Dockerfile; using its name")
        else:
            value = owner = ids
    ships = an.image.users.get(name)
    base = f" (base image {an.base_image} ships the non-root user {name}, {ships})" if ships else ""
    result.reasons.append(f"{where}: switching to {name}{base}")
    return value, owner


def _did(o, path: str, user: str) -> str:
    return f"chowns {path} to {user}" if o.how == "chowns" else f"copies {path} with --chown={user}"


def _not_a_service_user(an: Analysis, name: str, owned: list[str] | None = None) -> str | None:
    """Why `name` is an account no program should run as, or None: a subordinate-id account for
    user namespaces, or a user created only to own another tool's files (no home, a shell that
    refuses logins, and owning only paths the final ENTRYPOINT/CMD does not name)."""
    if name == "dockremap" or name in an.subid_users:
        return "is a subordinate-id account for user namespaces (/etc/subuid, /etc/subgid)"
    cu = next((c for c in reversed(an.created_users) if c.name == name and not c.gone), None)
    if cu is None or not cu.tool_owner:
        return None
    if owned is None:
        owned = [p for o in an.owners if o.user == name for p in o.paths]
    program = " ".join(i.args for i in (an.entrypoint, an.cmd) if i is not None)
    if not owned or not program:
        return None  # nothing to tell it from the program's own account
    if name in program or any(p in program or an.workdir == p or an.workdir.startswith(p + "/") for p in owned):
        return None
    return (f"has no home and no login shell (line {cu.line}) and owns only {', '.join(owned)}, which the "
            f"program ({program}) does not use: an account for another tool")


def _spelling_holds(an: Analysis, spelled: str, value: str, before: int) -> bool:
    """`USER <spelled>` (`$NAME`, `${NAME}`, optionally `:GROUP` the same way), placed after line
    `before`, expands to `value`: each variable is plain and set in the final stage (an ARG after
    its FROM, or an ENV) before that line, to the value it had where the file used it."""
    import re

    parts = spelled.split(":")
    if not all(re.fullmatch(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})", p) or
               ("$" not in p and _ok_user_part(p)) for p in parts):
        return False
    names = [p.strip("${}") for p in parts if p.startswith("$")]
    if any(an.var_lines.get(n, before + 1) > before for n in names):
        return False
    try:
        return expand(spelled, an.env) == value
    except Unresolved:
        return False


def _spelling_warning(line: int, spelled: str, name: str) -> str:
    return (f"line {line}: user {spelled} ({name}) comes from a variable that is not set to {name} in the final "
            f"stage where USER goes (declare ARG {spelled.strip('${}')} after its FROM); not switched to: "
            f"USER {name} would ignore --build-arg")


def _check_clash(an: Analysis, new: snippets.NewUser, family: str, options: Options, result: Result) -> None:
    """Raise when creating `new` would fail the build: its name, group or ids are already taken by a
    user the Dockerfile creates (and that could not be reused), one the base image ships, or a
    system account of the image's family (`data/accounts.toml`; all families when it is unknown).
    A free id below 1000 is allowed, with a warning: packages installed in the image take ids there."""
    from_line = an.final.from_inst.start_line
    for what, name, group in (("--user", new.name, False), ("--group", new.group, True)):
        if group and new.root_group:
            continue  # --openshift: the user joins root's group, which every image has
        why = snippets.system_account(name, group=group)
        if why:
            raise DockerfixError(f"{what} {name}: {name} {why}; choose another name", from_line)
    for cu in reversed(an.created_users):
        mine = (new.name,) if new.root_group else (new.name, new.group)
        if cu.name in mine or (cu.group and cu.group in mine):
            root = " with uid 0 (root)" if cu.uid == 0 else ""
            raise DockerfixError(
                f"the new user {new.name}:{new.group} clashes with user {cu.name}{root}, created here; "
                "choose another name with --user/--group",
                cu.line,
            )
        if new.uid == cu.uid or (cu.gid is not None and new.gid == cu.gid and not new.root_group):
            raise DockerfixError(
                f"the new user's ids {new.uid}:{new.gid} are already used by user {cu.name} "
                f"({cu.uid}:{cu.gid}), created here; choose other ids with --uid/--gid",
                cu.line,
            )
    for group, g in an.created_groups.items():
        if new.root_group and (group == "root" or g.gid == 0):
            continue
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
        if taken_id == new.uid or (taken_id == new.gid and not new.root_group):
            raise DockerfixError(
                f"the new user's ids {new.uid}:{new.gid} are already used by a user or group created here "
                "(its name is only known at build time); choose other ids with --uid/--gid",
                line,
            )
    info = an.image
    for name, ids in info.users.items():
        uid, _, gid = ids.partition(":")
        if name in ((new.name,) if new.root_group else (new.name, new.group)):
            raise DockerfixError(
                f"base image {an.base_image} already ships user {name} ({ids}); "
                "choose another name with --user/--group",
                from_line,
            )
        if uid == str(new.uid) or (gid == str(new.gid) and not new.root_group):
            raise DockerfixError(
                f"base image {an.base_image} already uses ids {ids} (user {name}): pass --user {name} "
                "to switch to it, or choose other ids with --uid/--gid",
                from_line,
            )
    tables = snippets.account_families(family)
    which = f"the base image ({family} family)" if len(tables) == 1 else "a base image of some family (this one is unknown here)"
    uid_opt = f"--uid {new.uid}"
    gid_opt = f"--gid {new.gid}" if options.gid else f"--uid {new.uid} (also the group's gid)"
    for opt, kw in ((uid_opt, {"uid": new.uid}), (gid_opt, {"gid": None if new.root_group else new.gid})):
        taken = snippets.taken_id(tables, **kw)
        if taken:
            raise DockerfixError(
                f"{opt}: {which} already has {taken[1]}; choose another id (from 1000 up; the default is {DEFAULT_UID})",
                from_line,
            )
    low = sorted({i for i in (new.uid, new.gid) if 0 < i < 1000})
    if low:
        result.warnings.append(
            f"id {', '.join(map(str, low))} is below 1000, where packages installed in the image get the ids of "
            "their users: if the build fails with 'already exists' or 'not unique', choose one from 1000 up"
        )


def _blank_or_end(df: Dockerfile, line: int) -> bool:
    lines = df.source.lines
    return line > len(lines) or not lines[line - 1].strip()


def _ok_user_part(part: str) -> bool:
    return snippets.valid_name(part) or snippets.valid_id(part)


def _ids_of(an: Analysis, name: str, family: str) -> str | None:
    for cu in reversed(an.created_users):
        if cu.name == name and cu.uid is not None:
            return f"{cu.uid}:{cu.gid}" if cu.gid is not None else str(cu.uid)
    if name in an.image.users:
        return an.image.users[name]
    accounts = snippets.account_families(family)
    if name in SERVICE_ACCOUNTS and len(accounts) == 1:
        ids = next(iter(accounts.values())).users.get(name)
        return f"{ids[0]}:{ids[1]}" if ids else None
    return None


def _writable_paths(an: Analysis, options: Options, result: Result) -> list[str]:
    """The paths to create and hand to the user: the final stage's VOLUMEs (as expanded) that are
    data folders, with a warning for each that is not, then --writable (refused before, if not)."""
    out: list[str] = []
    for path in an.image.volumes:  # the base image's own VOLUMEs, from its configuration
        norm, why = snippets.writable_path(path)
        if why is None and norm not in out:
            out.append(norm)
            result.reasons.append(f"base image {an.base_image} declares VOLUME {norm} ({an.image.facts_from})")
    for path, line in an.volumes:
        norm, why = snippets.writable_path(path)
        if why is None:
            if norm not in out:
                out.append(norm)
        elif not snippets.PATH_RE.match(path):
            result.warnings.append(
                f"line {line}: VOLUME {path!r} is not a plain absolute path; make sure the user can write it"
            )
        else:
            result.warnings.append(f"line {line}: VOLUME {path} {why}; not handed to the new user")
    for p in options.writable:
        norm, why = snippets.writable_path(p)
        if why is not None:
            raise DockerfixError(_writable_refused(p, why))
        if norm not in out:
            out.append(norm)
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


def _warnings(an: Analysis, writable: list, result: Result, handled=frozenset(), after: int = 0) -> None:
    if result.family != "windows":
        for name, path, line in an.root_envs:
            if (name, line) in handled:
                continue
            verb = "includes" if name.endswith("PATH") else "is"
            result.warnings.append(
                f"line {line}: ENV {name} {verb} {path}, which the new user cannot read (/root is root's home, "
                "mode 0700): move it under the user's home"
            )
    for port, line in an.exposes:
        num = port.split("/", 1)[0]
        if snippets.is_number(num) and 0 < int(num) < 1024:
            result.warnings.append(
                f"line {line}: EXPOSE {port}: a non-root process can bind ports below 1024 on "
                "Docker 20.10 and later, but not on Kubernetes by default; prefer a port >= 1024"
            )
    # the working folder is handed over alone (the code copied into it stays root's), and data
    # chowned with what is in it was copied before the block; a copy into the other folders is warned
    folders = [w for w in writable if isinstance(w, str)] + [
        w.path for w in writable if not isinstance(w, str) and w.create and not w.recursive and w.path != an.workdir]
    for dest, line in an.copies_no_chown:
        for w in folders:
            if dest == w or dest.startswith(w.rstrip("/") + "/"):
                result.warnings.append(
                    f"line {line}: files copied into {dest} without --chown stay owned by root, "
                    f"but the program writes {w}; add --chown to that COPY"
                )
