"""Step 7: plan the edit: where the user block goes, what it says, and why.

`result_for(ctx, decision, data)` turns decide's decision into the file's `Result`: the new bytes
(identical to the input when nothing is to be done), the decision and its reasons; `plan` builds
the block for a file decide chose to fix. The whole pipeline on one file is `pipeline.fix`. By
concern: `options` (the run's settings and their checks), `user` (choose the user), `place`
(where the block goes and its lines), `paths` (writable paths and the warnings).
"""

from __future__ import annotations

from .. import snippets
from ..parse import Dockerfile
from ..result import Result
from ..stages import Analysis, describe_user
from . import paths, place, user
from .options import DEFAULT_UID, NOBODY, Options

__all__ = ["DEFAULT_UID", "NOBODY", "Options", "Result", "describe_user", "plan", "result_for"]


def result_for(ctx, decision, data: bytes) -> Result:
    """The plan step of the pipeline (`pipeline.fix`): the Result of decide's `decision` on the
    file whose bytes are `data` and whose `decide.Context` is `ctx`: the reasons a rule left it
    alone, or the user block, where it goes and why."""
    from ..decide import program

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
    from .. import writable as program_writes

    u = an.user
    family, family_why = _family(an)
    result = Result(False, data, family=family, user_before=describe_user(u))
    result.root_line = _root_line(an)
    for leave in forced:
        result.warnings.append(f"--force {leave.rule}: {leave.reason}; check that the image still works as the new user")

    result.reasons.append(family_why)
    info = an.image
    anchor = place.root_anchor(an, result)

    has_shell = info.shell and family not in ("scratch", "windows")
    writable: list = list(paths.writable_paths(an, options, result))
    needs = program_writes.Needs()
    if has_shell:
        needs = program_writes.needs(an, context, path, "the new user")
        result.reasons += needs.reasons
        result.warnings += needs.warnings
        # the working folder and the folders made for data first, then VOLUMEs and --writable
        writable = [p for p in needs.paths if not p.recursive and p.line] + [
            p for p in writable if p not in {q.path for q in needs.paths}] + [
            p for p in needs.paths if not p.line]
    anchor = place.move_below(an, anchor, needs.after, "data copied into the working folder", result)
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
        reuse = None if options.always_create else user.reuse(an, options, result, family, anchor.end_line)
        if reuse is not None:
            user_line, owner = reuse
            if all(snippets.is_number(p) for p in owner.split(":")):
                result.user_ids = owner
            if options.openshift:
                user_line, owner = user.openshift_ids(user_line, owner, result)
            if writable and has_shell:
                lines += place.run_lines(an, snippets.writable(writable, owner, options.openshift))
        elif not has_shell:
            user_line = user.without_shell(an, options, result)
            if writable:
                result.warnings.append(
                    "no shell in the final image: writable paths "
                    + ", ".join(writable)
                    + " cannot be created here; create them in a builder stage and COPY --chown them"
                )
        else:
            new = user.new_user(options)
            user.check_clash(an, new, family, options, result)
            useradd = info.has_useradd or an.installs_shadow
            cmds = snippets.create_user(new, family, useradd)
            owner = f"{new.uid}:{new.gid}"
            relocation = program_writes.relocate_root(an, df, new.home, owner, anchor.end_line, script)
            anchor = place.move_below(an, anchor, relocation.after, "what it puts under /root", result)
            cmds += snippets.writable(writable, owner, options.openshift)
            cmds += relocation.commands
            result.reasons += relocation.reasons
            result.warnings += relocation.warnings
            handled_envs = relocation.handled
            env_lines = [f"ENV {e}" for e in relocation.env]
            lines += place.run_lines(an, cmds)
            user_line = f"{new.uid}:{new.gid}" if options.numeric_user else new.name
            if options.openshift:
                user_line = str(new.uid)
                result.reasons.append(f"--openshift: the user's group is 0 (OpenShift runs any uid in group 0), "
                                      f"writable paths get the owner's rights for the group (chmod g=u), USER {new.uid}")
            result.created_user = True
            result.user_ids = f"{new.uid}:{new.gid}"
            result.reasons.append(f"created user {new.name} ({new.uid}:{new.gid}) {user.created_how(an, family, useradd)}")
    lines += env_lines
    lines.append(f"USER {user_line}")
    if anchor.heredocs and place.blank_or_end(df, anchor.end_line + 1):
        # hadolint 2.12 cannot parse an instruction right after a heredoc terminator, only after a
        # blank line: keep the file as readable to it as it was (BuildKit accepts both)
        lines.insert(0, "")
    result.user_after = user_line
    result.insert_after = anchor.end_line
    result.inserted = lines
    paths.warnings(an, writable, result, handled_envs, anchor.end_line)
    new_source = df.source.with_inserted(anchor.end_line, lines)
    result.output = new_source.encode()
    result.changed = result.output != data
    return result


def _family(an: Analysis) -> tuple[str, str]:
    info = an.image
    if an.families:
        fam, line = an.families[-1]
        return fam, f"line {line}: its package manager makes this {'an' if fam[0] in 'aeiou' else 'a'} {fam}-family image"
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
        return info.family, f"base image {an.base_image} is {info.family}-family ({info.matched})"
    return "unknown", f"base image {an.base_image} is not in dockerfix's image list: using commands that work on any Linux"
