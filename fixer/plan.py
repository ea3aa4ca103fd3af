"""Step 7: plan the edit: where the user block goes, what it says, and why.

`result_for(ctx, decision, data)` turns decide's decision into the file's `Result`: the new bytes
(identical to the input when nothing is to be done), the decision and its reasons; `plan` builds
the user block of a file decide chose to fix. The whole pipeline on one file is `pipeline.fix`.
This module holds the run's `Options` and puts the step together; by concern, the rest of the
step is in `plan_user` (choose the user), `plan_place` (where the block goes, its lines) and
`plan_paths` (the writable paths and the warnings).
"""

from __future__ import annotations

from . import images, snippets
from .errors import DockerfixError
from .parse import Dockerfile
from .plan_paths import add_warnings, writable_paths, writable_refused
from .plan_place import apart, blank_or_end, move_below, run_lines
from .plan_user import DEFAULT_UID, NOBODY, check_clash, openshift_ids, reuse_user
from .record import dataclass, replace
from .result import Result
from .stages import Analysis, describe_user

__all__ = ["DEFAULT_UID", "NOBODY", "Options", "Result", "describe_user", "plan", "result_for"]


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
    # what `--verify` learnt the program writes (verify_writes.handover): files handed alone, and a
    # working folder of its own (the new user's home) when it writes by relative path into /
    writable_files: tuple[str, ...] = ()
    workdir_home: bool = False

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
                raise DockerfixError(writable_refused(p, why))


def result_for(ctx, decision, data: bytes) -> Result:
    """The plan step of the pipeline (`pipeline.fix`): the Result of decide's `decision` on the
    file whose bytes are `data` and whose `decide.Context` is `ctx`: the reasons a rule left it
    alone, or the user block, where it goes and why."""
    from .decide import program

    options = ctx.options
    if decision.leave is not None:
        result = Result(False, data, skipped=decision.leave.reason, rule=decision.leave.rule)
        if decision.leave.rule != "ignored":
            result.warnings += _layer_warnings(ctx)
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
    from .repolint import runs_hadolint

    remember = getattr(ctx.repositories, "remember", None)
    lints = None if options.numeric_user or options.openshift else runs_hadolint(ctx.path, ctx.repo_root, remember)
    if lints:  # a named USER is hadolint's DL3066: a new finding in a repository that lints with it
        options = replace(options, numeric_user=True)
    deployed = _deployed(ctx, options)
    if deployed.numeric:
        options = replace(options, numeric_user=True)
    handed = [(p, why) for p, why in deployed.volumes
              if snippets.writable_path(p)[1] is None and p not in options.writable]
    if handed:  # a new named volume takes the owner of the folder the image has there
        options = replace(options, writable=tuple(options.writable) + tuple(p for p, _ in handed))
        deployed.reasons += [f"{why}: the folder is made and handed to the new user, so a new volume is the "
                             f"new user's" for _, why in handed]
    result = None
    if deployed.uid is not None:
        try:
            result = plan(ctx.df, ctx.an, data, replace(options, uid=deployed.uid, gid=options.gid or deployed.gid),
                          decision.forced, context=ctx.context, path=ctx.path, script=found[2] if found else None,
                          script_name=found[0] if found else None)
        except DockerfixError as e:  # the base image has that id for another user: the default ids, and say so
            deployed.reasons = [r for r in deployed.reasons if "runAsUser" not in r]
            deployed.warnings.append(f"the deployment runs the image as uid {deployed.uid}, which cannot be the new "
                                     f"user's ({e}); align the manifest with the new USER")
    if result is None:
        result = plan(ctx.df, ctx.an, data, options, decision.forced, context=ctx.context, path=ctx.path,
                      script=found[2] if found else None, script_name=found[0] if found else None)
    if result.changed:
        result.reasons += deployed.reasons
        result.warnings += deployed.warnings
    if lints and result.changed:
        result.reasons.append(f"{lints}: USER is numeric, as with --numeric-user (hadolint reports a user name as "
                              "DL3066, which fails its default threshold; ignore DL3066 there to have the name)")
    # ports below 1024 the program binds, each with the change to make (ports.py); Windows has no
    # privileged ports
    if result.changed and result.family != "windows":
        from . import ports

        result.warnings += ports.warnings(ctx)
    result.warnings += _layer_warnings(ctx)
    _lookup_note(ctx.an, result)
    return result


def _deployed(ctx, options: Options):
    """What the repository's deployments ask of the fix (repository.deployment): the uid a
    manifest runs the image as (unless --uid was given), a numeric USER for runAsNonRoot, and
    warnings for host folders bind-mounted where the program writes."""
    from .repository.deployment import Settings, settings

    if ctx.path is None:
        return Settings()

    def valid(uid: int) -> bool:
        return snippets.valid_id(uid) and not snippets.taken_everywhere(uid=uid)

    found = settings(ctx.repository, ctx.path, ctx.an, valid)
    if options.uid is not None or options.openshift:
        found.uid = found.gid = None
        found.reasons = [r for r in found.reasons if "runAsUser" not in r]
    return found


def _layer_warnings(ctx) -> list[str]:
    """Why the base image's entrypoint could not be read from its layers, if a rule tried (layers.py)."""
    if "layers:base-entrypoint" not in ctx._scripts:  # layers._KEY: no rule asked, nothing to import
        return []
    from . import layers

    return layers.warnings(ctx)


def _lookup_note(an: Analysis, result: Result) -> None:
    """A failed look-up of the base image is a reason (`base: registry unreachable: ...`), never an error."""
    if an.image.lookup_note:
        result.reasons.append(an.image.lookup_note)


def _root_line(an: Analysis) -> int:
    """The line that makes the final stage run as root: its USER, or its FROM."""
    return an.user.line if an.user.line is not None else an.final.from_inst.start_line


def plan(df: Dockerfile, an: Analysis, data: bytes, options: Options, forced=(), context: str | None = None,
         path: str | None = None, script: str | None = None, script_name: str | None = None) -> Result:
    """Where the user block goes and what it says, for a final stage that runs as root and that
    the decide step chose to fix (`forced`: the rules overridden with --force, as warnings;
    `context`, `path`: the build context and the Dockerfile, where data copied into the working
    folder is read; `script`: the text of the entrypoint script, when read from the context, and
    `script_name` its path there)."""
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
    writable: list = list(writable_paths(an, options, result))
    needs = program_writes.Needs()
    if has_shell:
        needs = program_writes.needs(an, context, path, "the new user", script, script_name)
        result.reasons += needs.reasons
        result.warnings += needs.warnings
        # the working folder and the folders made for data first, then VOLUMEs and --writable
        writable = [p for p in needs.paths if not p.recursive and p.line] + [
            p for p in writable if p not in {q.path for q in needs.paths}] + [
            p for p in needs.paths if p.recursive or not p.line]
    anchor = move_below(an, anchor, needs.after, "data copied into the working folder", result)
    for p in needs.paths:  # a folder made before the block exists; one made after is created first
        p.create = p.create and not (0 < p.line <= anchor.end_line)
    deep = [p.path for p in needs.paths if p.recursive]
    if deep:  # a folder that exists inside one handed over with what is in it goes with it
        writable = [w for w in writable if isinstance(w, str) or w.recursive or w.create or not any(
            w.path != d and w.path.startswith(d.rstrip("/") + "/") for d in deep)]
    if has_shell and needs.paths:  # files a build step makes in those folders (build_files)
        from . import build_files

        # (a folder handed over with what is in it needs no file of its own)
        made = build_files.created(an, [w if isinstance(w, str) else w.path for w in writable
                                        if isinstance(w, str) or not w.recursive], anchor.end_line, "the new user")
        writable += [program_writes.Path(f, create=False) for f, _, _ in made.files]
        result.reasons += made.reasons
        result.warnings += made.warnings
    for f in options.writable_files:  # learnt by --verify: the file alone
        norm, why = snippets.writable_path(f)
        if why is None and norm not in writable:
            writable.append(program_writes.Path(norm, create=False))
    home_workdir = None
    relocation = None
    handled_envs: set = set()
    lines: list[str] = []
    env_lines: list[str] = []

    if family == "windows":
        user_line = "ContainerUser"
        result.reasons.append("Windows images run as ContainerUser, the built-in unprivileged account")
    else:
        reuse = None if options.always_create else reuse_user(an, options, result, family, anchor.end_line)
        if reuse is not None:
            user_line, owner = reuse
            if all(snippets.is_number(p) for p in owner.split(":")):
                result.user_ids = owner
            if options.openshift:
                user_line, owner = openshift_ids(user_line, owner, result)
            if result.service is not None and result.service.hand:  # the package's data folder
                writable.append(result.service.data)
            if writable and has_shell:
                lines += run_lines(an, apart(anchor, snippets.writable(writable, owner, options.openshift), writable))
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
            check_clash(an, new, family, options, result)
            useradd = info.has_useradd or an.installs_shadow
            cmds = snippets.create_user(new, family, useradd)
            owner = f"{new.uid}:{new.gid}"
            relocation = program_writes.relocate_root(an, df, new.home, owner, anchor.end_line, script)
            anchor = move_below(an, anchor, relocation.after, "what it puts under /root", result)
            cmds += snippets.writable(writable, owner, options.openshift)
            cmds += relocation.commands
            if new.root_group:  # OpenShift's arbitrary uid is not the owner: it writes its home as group 0
                cmds.append(f"chmod g=u {new.home}")
            result.reasons += relocation.reasons
            result.warnings += relocation.warnings
            handled_envs = relocation.handled
            env_lines = [f"ENV {e}" for e in relocation.env]
            lines += run_lines(an, cmds)
            user_line = f"{new.uid}:{new.gid}" if options.numeric_user else new.name
            if options.openshift:
                user_line = str(new.uid)
                result.reasons.append(f"--openshift: the user's group is 0 (OpenShift runs any uid in group 0), "
                                      f"writable paths get the owner's rights for the group (chmod g=u), USER {new.uid}")
            result.created_user = True
            result.user_ids = f"{new.uid}:{new.gid}"
            if options.workdir_home and (an.workdir_line is None or an.workdir == "/"):
                home_workdir = new.home
                result.reasons.append(f"--verify: the program writes by relative path into /, its working folder, "
                                      f"which is never handed over: WORKDIR {new.home}, {new.name}'s home, after USER")
                result.warnings.append(f"the working folder is now {new.home} instead of /: files the program writes "
                                       f"by relative path land there, so mount a volume for them at {new.home} "
                                       f"(`docker run -v NAME:{new.home}`), not at /")
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
    if result.service is not None and result.service.workdir:
        lines.append(f"WORKDIR {result.service.workdir}")
    elif home_workdir:
        lines.append(f"WORKDIR {home_workdir}")
    if anchor.heredocs and blank_or_end(df, anchor.end_line + 1):
        # hadolint 2.12 cannot parse an instruction right after a heredoc terminator, only after a
        # blank line: keep the file as readable to it as it was (BuildKit accepts both)
        lines.insert(0, "")
    result.user_after = user_line
    result.insert_after = anchor.end_line
    result.inserted = lines
    add_warnings(an, writable, result, handled_envs, anchor.end_line)
    new_source = df.source.with_inserted(anchor.end_line, lines)
    result.output = new_source.encode()
    result.changed = result.output != data
    return result


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

