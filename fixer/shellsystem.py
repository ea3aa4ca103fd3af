"""Step 3's handlers for what changes the system: package managers (the Linux family they show,
what only reads, what proves root), the users and groups a RUN creates, renames and deletes
(useradd, adduser, groupadd, addgroup, usermod, groupmod, userdel, deluser), and the owner a
`chown` gives. Which program is which, its read-only verbs and which of its options take a value
are data (`family`, `read_only`, `user_tool`, `with_value`, ... in data/commands.toml); how each
family of tools is read is here.
Each handler takes the walk (`shell._Analyzer`), the command's entry, its name, its arguments
and the offset of the command in the script.
"""

from __future__ import annotations

import posixpath

from .shellfacts import UNKNOWN, Chown, CreatedGroup, CreatedUser, Rename, base, is_option, options, plain_var
from .snippets import is_number


def package_manager(w, cmd, name: str, args: list[str], offset: int) -> None:
    """The Linux family it shows; root unless it only reads (`read_only`, `query`); proof of root
    when it changes the system's packages; whether it installs useradd (`installs_shadow`)."""
    k = w.known
    fam = cmd.family
    if fam not in w.facts.families:
        w.facts.families.append(fam)
    if any(a in k.shadow_packages for a in args[1:]) and args and args[0] in k.install_verbs or (
            any(a in cmd.shadow_anywhere for a in args)):
        w.facts.installs_shadow = True  # useradd/groupadd are there after this
    if cmd.query:
        return
    ro = cmd.read_only
    words = [a for a in args if a]
    first = next((a for a in words if not is_option(a)), None)
    opts = [a for a in words if is_option(a)]
    if (first in ro) or (opts and any(o in ro or o.split("=")[0] in ro for o in opts) and (
            cmd.options_decide or first is None)) or (
            cmd.read_only_prefixes and any(o.startswith(cmd.read_only_prefixes) for o in opts)):
        return
    if not args or args in (["--help"], ["-h"], ["--version"], ["-v"], ["-V"]):
        return
    sub = f" {first}" if first and cmd.show_operand else ""
    w.root(offset, name, f"{name}{sub} needs root (package manager)")
    if any(a in k.pm_changes or (cmd.change_prefixes and a.startswith(cmd.change_prefixes)) for a in words):
        w.prove(offset, name, f"{name}{sub} changes the system's packages")


def _num(v: str | None) -> int | None:
    return int(v) if v is not None and is_number(v) else None


class _Adder:
    """Records what one user tool's command line creates."""

    def __init__(self, a, name: str, opts: dict, offset: int):
        self.a, self.name, self.opts, self.offset = a, name, opts, offset

    def user(self, n: str, uid: int | None, group: str | None) -> None:
        a, opts, name = self.a, self.opts, self.name
        if n and UNKNOWN not in n:
            shell = opts.get("-s") or opts.get("--shell") or ("/usr/sbin/nologin" if name == "adduser"
                                                              and "--system" in opts else "/bin/sh")
            no_home = any(o in opts for o in ("-M", "--no-create-home", "-H")) or (
                name == "useradd" and ("-r" in opts or "--system" in opts) and not (
                    "-m" in opts or "--create-home" in opts))
            a.facts.users.append(CreatedUser(n, uid, group, self.offset, plain_var(a.spelled.get(n)),
                                             no_home and base(shell) in ("false", "nologin")))
        elif uid is not None:
            a.facts.unnamed_ids.append(uid)

    def group(self, n: str, gid: int | None) -> None:
        if n and UNKNOWN not in n:
            self.a.facts.groups.append(CreatedGroup(n, gid, self.offset))
        elif gid is not None:
            self.a.facts.unnamed_ids.append(gid)


def useradd(a, cmd, name: str, args: list[str], offset: int) -> None:
    pos, opts = options(args, cmd.with_value, grouped=True)
    if pos:
        add = _Adder(a, name, opts, offset)
        group = opts.get("-g") or opts.get("--gid")
        uid = _num(opts.get("-u") or opts.get("--uid"))
        add.user(pos[-1], uid, group)
        if group is None and "-N" not in opts and "--no-user-group" not in opts:
            # USERGROUPS_ENAB (the default) also creates a group named after the user
            add.group(pos[-1], uid)


def usermod(a, cmd, name: str, args: list[str], offset: int) -> None:
    """usermod and groupmod: renames (`-l`, `-n`), a new uid (`-u`), subordinate ids (`-v`, `-w`)."""
    pos, opts = options(args, cmd.with_value, grouped=True)
    if not pos or UNKNOWN in pos[-1]:
        return
    user = cmd.user_tool == "usermod"
    old = pos[-1]
    new = opts.get("-l") or opts.get("--login") if user else opts.get("-n") or opts.get("--new-name")
    uid = _num(opts.get("-u") or opts.get("--uid")) if user else None
    if new and UNKNOWN in new:
        new = UNKNOWN  # renamed to a name known only at build time
    if new or uid is not None:
        a.facts.renames.append(Rename(old, new or old, not user, uid))
    if any(o in opts for o in ("-v", "--add-subuids", "-w", "--add-subgids")):
        a.facts.subid_users.append(old)


def userdel(a, cmd, name: str, args: list[str], offset: int) -> None:
    pos, _ = options(args, cmd.with_value)
    if len(pos) == 1 and UNKNOWN not in pos[0]:  # `deluser USER GROUP` only leaves a group
        a.facts.renames.append(Rename(pos[0], None))


def groupadd(a, cmd, name: str, args: list[str], offset: int) -> None:
    pos, opts = options(args, cmd.with_value, grouped=True)
    if pos:
        _Adder(a, name, opts, offset).group(pos[-1], _num(opts.get("-g") or opts.get("--gid")))


def adduser(a, cmd, name: str, args: list[str], offset: int) -> None:
    if any(x.startswith("--") for x in args):  # Debian's adduser
        pos, opts = options(args, cmd.with_value, grouped=True)
        add = _Adder(a, name, opts, offset)
        if "--group" in opts and "--system" not in opts and len(pos) == 1:
            add.group(pos[0], _num(opts.get("--gid")))
            return
        if len(pos) == 1:
            group = opts.get("--ingroup")
            uid = _num(opts.get("--uid"))
            gid = _num(opts.get("--gid"))
            if group is None and gid is not None:
                group = str(gid)
            own_group = "--group" in opts or (group is None and "--system" not in opts)
            add.user(pos[0], uid, pos[0] if own_group and group is None else group)
            if own_group:
                add.group(pos[0], gid if gid is not None else uid)
    else:  # BusyBox adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER [GROUP]
        pos, opts = options(args, cmd.busybox_with_value, grouped=True)
        if len(pos) == 1:
            add = _Adder(a, name, opts, offset)
            uid = _num(opts.get("-u"))
            group = opts.get("-G")
            add.user(pos[0], uid, group or pos[0])
            if group is None:
                add.group(pos[0], uid)


def addgroup(a, cmd, name: str, args: list[str], offset: int) -> None:
    debian = any(x.startswith("--") for x in args)
    pos, opts = options(args, cmd.with_value if debian else cmd.busybox_with_value, grouped=True)
    if len(pos) == 1:  # BusyBox: two names = add a user to a group
        _Adder(a, name, opts, offset).group(pos[0], _num(opts.get("--gid" if debian else "-g")))


def chown(a, cmd, name: str, args: list[str], offset: int) -> None:
    """Record `chown OWNER[:GROUP] PATHS` when it must succeed (see `checked`), and prove root when
    it gives files to root."""
    _record_chown(a, cmd, args, offset)
    owner = next((x for x in args if not x.startswith("-") or x == "-"), "")
    user = owner.split(":", 1)[0].split(".", 1)[0]
    if user == "root" or user == "0":
        a.prove(offset, name, f"chown {owner} gives files to root")


def _record_chown(a, cmd, args: list[str], offset: int) -> None:
    pos, opts = options(args, cmd.with_value)
    if not a.checked or len(pos) < 2 or any(o.startswith("--reference") for o in opts):
        return
    spec = pos[0]
    if UNKNOWN in spec.split(":", 1)[0]:
        return
    user, _, group = spec.partition(":")
    raw = a.spelled.get(spec, "").strip("\"'")
    spelled = plain_var(raw.split(":", 1)[0]) if raw.startswith("$") else None
    paths = [posixpath.normpath(p if p.startswith("/") else posixpath.join(a.cwd or UNKNOWN, p))
             for p in pos[1:]]
    a.facts.chowns.append(Chown(user, group or None, paths, offset, spelled))


HANDLERS = {"useradd": useradd, "usermod": usermod, "groupmod": usermod, "userdel": userdel,
            "groupadd": groupadd, "adduser": adduser, "addgroup": addgroup, "chown": chown}
