"""Step 7 (plan), choosing the user: an existing non-root user to switch back to (one the file
switched away from, hands its files to or creates, or one the base image ships), and the checks
that the new user's names and ids are free (every user, group and id the image already has).
`plan.plan` calls these; each records its reasons and warnings in the `Result`."""

from __future__ import annotations

from . import shell, snippets
from .errors import DockerfixError
from .result import Result
from .stages import Analysis, Unresolved, expand, is_root_user

DEFAULT_UID = 10001
NOBODY = 65534


# distro accounts meant to run services, which a Dockerfile may hand its files to (the others,
# such as daemon, bin, mail or _apt, belong to the system: never the container's user)
SERVICE_ACCOUNTS = ("www-data", "nobody")


def reuse_user(an: Analysis, options, result: Result, family: str, before: int) -> tuple[str, str] | None:
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
    from . import service_users

    svc = service_users.choose(an, options, result)  # the account a package the stage runs created
    if svc is not None:
        result.service = svc
        result.reasons += svc.reasons
        result.warnings += svc.warnings
        if options.numeric_user:
            result.warnings.append(f"--numeric-user: the uid of {svc.user} is given by the package at install "
                                   "time, not known here; using its name")
        return svc.user, f"{svc.user}:{svc.group}"
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


def _owner(an: Analysis, o, options, result: Result, family: str, before: int,
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


def openshift_ids(user_line: str, owner: str, result: Result) -> tuple[str, str]:
    """--openshift with a user the image already has: its uid in USER, group 0 for what it writes."""
    uid = (result.user_ids or "").split(":")[0]
    base = owner.split(":")[0]
    if uid:
        result.reasons.append(f"--openshift: USER {uid}; writable paths belong to group 0 with the owner's rights")
        return uid, f"{base}:0"
    result.warnings.append(f"--openshift: the uid of {user_line} is not known here: USER stays a name, which "
                           "OpenShift's restricted policy cannot check; give the user a fixed uid")
    return user_line, f"{base}:0"


def check_clash(an: Analysis, new: snippets.NewUser, family: str, options, result: Result) -> None:
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
