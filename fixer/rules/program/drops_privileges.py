"""drops-privileges: the image's entrypoint starts as root and drops privileges itself.

Such an entrypoint first does root-only setup (creating and chowning data folders on fresh
volumes), then switches to its service user with gosu, su-exec, setpriv, runuser, `chroot
--userspec`, s6-setuidgid, chpst, `sudo -u USER` or `su USER -c` (parsed in fixer/switchuser.py).
Adding USER would skip that setup. Seen in the base image
(postgres, redis, mysql, ...: `drops_privileges` in images.toml), in ENTRYPOINT/CMD, in an
entrypoint script copied from the build context, or guessed when the stage installs such a tool
and runs a script dockerfix cannot read.

The program may also switch users itself, as its author set it up: a `--user`/`--uid`/`--setuid`
flag naming an account of the image (a uid above 0, a user the file creates, a system account, a
user the base image ships), or a `uid`/`user`/`User` line naming one in the configuration file the
command line names (`--ini app.ini`, `-c`, `--config`, or an operand ending in `.ini`, `.conf`,
`.cfg`, `.yaml`, `.toml`), at its top level or in the section named after the program (`[uwsgi]`;
a `user =` in `[database]` is a login, not the process's user). This is read on ENTRYPOINT/CMD and
on the line of the entrypoint script that `exec`s the program.

The script is found where the build puts it: also through a `RUN ln -s` symlink, or copied into
`/usr/local/bin` without a trailing slash; through a folder copied whole (`COPY . .` and
`./scripts/start.sh` run from the WORKDIR), another stage of the file (`COPY --from=build
/src/docker ./docker`, followed back to that stage's COPY from the build context), and a RUN that
copies, renames, converts or links it (`cp`, `mv`, `install`, `dos2unix -n`, `ln -s`); never
outside the repository. An own entrypoint script that hands over to the base
image's `docker-entrypoint.sh` (`exec docker-entrypoint.sh "$@"`) keeps the base's drop, and with
no ENTRYPOINT/CMD of the file's own, a copied `*entrypoint*` script that drops privileges counts
too. The reason names the line and the tool (`line 9: the ENTRYPOINT script /entrypoint.sh
(copied from the build context on line 7) drops privileges itself with gosu`).
"""

from __future__ import annotations

import re

from ... import lazyre
from ...commands import DROP_RE, INSTALL_DROP_RE, drop_tool  # noqa: F401 (DROP_RE: re-exported)
from ...evidence import program, search_chain

NAME = "drops-privileges"
SUMMARY = "The entrypoint starts as root and drops privileges itself (gosu, su-exec, setpriv, runuser, ...)."
EXAMPLE = 'FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/'

SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env", "dumb-init", "/usr/bin/dumb-init", "tini",
          "/sbin/tini", "/usr/bin/tini", "/tini"}


def installs_drop_tool(an) -> tuple[str, int] | None:
    """(tool, line) when a RUN/COPY/ADD of the final stage's chain brings in a privilege-drop tool."""
    found = search_chain(an, ("run", "copy", "add"), INSTALL_DROP_RE)
    return (found[1].group(1), found[0].start_line) if found else None


# a script line that runs the base image's own entrypoint (`exec docker-entrypoint.sh "$@"`)
BASE_ENTRYPOINT_RE = lazyre.compile(r"^[ \t]*(?:exec\s+)?(?:/usr/local/bin/)?docker-entrypoint\.sh(?![\w.-])", re.M)


def _script(ctx, prog):
    """The script `prog` copied from the build context (the Dockerfile's folder or the repository root)."""
    from .starts_as_root import script

    return script(ctx, prog)


def _replaced_entrypoint(ctx) -> str | None:
    """With no ENTRYPOINT/CMD of its own the base image's entrypoint runs: why it drops privileges,
    when the file copies an `*entrypoint*` script over it that does."""
    import posixpath

    for sources, dest, line in ctx.an.from_context:
        for src in sources:
            target = dest + posixpath.basename(src.rstrip("/")) if dest.endswith("/") else dest
            if "entrypoint" not in posixpath.basename(target):
                continue
            found = _script(ctx, target)
            tool = drop_tool(found[2]) if found else None
            if tool:
                return (f"line {line}: the file sets no ENTRYPOINT or CMD (the base image's runs) and copies the "
                        f"entrypoint script {found[0]} to {target}, which drops privileges itself with {tool}")
    return None


# --- the program's own switch: a flag or a configuration line that names the user it becomes --------

# a long option that makes a program switch to another user itself (`--user=www-data`, `--uid 1000`)
USER_FLAG_RE = lazyre.compile(r"(?<![\w-])--(?:uid|setuid|user|runas|run-as|run-as-user)(?:=|\s+)['\"]?([\w.-]+)")
# options that name the program's configuration file
CONFIG_FLAGS = ("-c", "--config", "--conf", "--ini", "--config-file", "--configfile", "--cfg")
# a configuration line that names the user the program switches to: `uid = 1` (ini), `user nobody;`
# (nginx-like), `User www-data` (apache-like), `user: app` (YAML)
CONF_USER_RE = lazyre.compile(
    r"^(uid|setuid|user|User|run_as_user|runas)\s*(?:[=:]\s*|\s+)['\"]?([\w.-]+)['\"]?\s*;?\s*(?:#.*)?$")
_SECTION_RE = lazyre.compile(r"^\s*\[([^\]]+)\]\s*$")


def _account(ctx, value: str) -> bool:
    """`value` names a non-root user the image has: a uid above 0, a user the file creates, a
    system account of the image's family, or a user the base image ships."""
    from ...snippets import account_families

    if value.isdigit():
        return int(value) > 0
    if value == "root":
        return False
    an = ctx.an
    if any(cu.name == value for cu in an.created_users) or value in an.image.users:
        return True
    return any(value in acc.users for acc in account_families().values())


def config_user(ctx, text: str, program_name: str) -> tuple[int, str] | None:
    """(line, text) of a configuration line that names the user the program switches to: at the
    top level, or in the section named after the program (`[uwsgi]`, `[mysqld]`); not one inside
    another section (`[database] user = app` is a login, not the process's user)."""
    section = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _SECTION_RE.match(line)
        if m:
            section = m.group(1).strip()
            continue
        if line[:1].isspace():  # indented: inside a block (YAML mapping, nginx `events { }`)
            continue
        m = CONF_USER_RE.match(line)
        if m and (section is None or section == program_name) and _account(ctx, m.group(2)):
            return n, line.strip()
    return None


CONFIG_EXT = (".ini", ".conf", ".cfg", ".yaml", ".yml", ".toml")


def _argv_switch(ctx, argv: list[str], where: str) -> str | None:
    """Why the command line `argv` (run from `where`) makes its program switch users itself."""
    import posixpath

    # look through init wrappers (`tini --`) and a leading `exec`
    while argv and (argv[0] == "exec" or posixpath.basename(argv[0]) in ("tini", "dumb-init", "catatonit")
                    or argv[0].startswith("-")):
        argv = argv[1:]
    if not argv or posixpath.basename(argv[0]) in {posixpath.basename(s) for s in SHELLS}:
        return None
    prog = argv[0]
    for m in USER_FLAG_RE.finditer(" ".join(argv[1:])):
        if _account(ctx, m.group(1)):
            return f"{where} runs {prog} with {m.group(0).strip()}, which makes it start as root and switch to that user itself"
    for i, word in enumerate(argv[1:], 1):
        name, eq, value = word.partition("=")
        if name in CONFIG_FLAGS:
            conf = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
        elif not word.startswith("-") and word.endswith(CONFIG_EXT) and not argv[i - 1].startswith("-"):
            conf = word  # a configuration file given as an operand (`uwsgi --http :80 app.ini`)
        else:
            continue
        found = _script(ctx, conf) if conf and "$" not in conf else None
        if found is None:
            continue
        hit = config_user(ctx, found[2], posixpath.basename(prog))
        if hit:
            return (f"{where} runs {prog} with its configuration {found[0]} (copied on line {found[1]}), whose line "
                    f"{hit[0]} `{hit[1]}` makes it start as root and switch to that user itself")
    return None


def own_switch(ctx) -> str | None:
    """Why the program ENTRYPOINT/CMD runs switches to its service user itself: a flag naming the
    user on its command line, or such a line in the configuration file the command line names;
    also on the line that `exec`s the program in the entrypoint script."""
    from ...switchuser import simple_words

    an = ctx.an
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        prog, text = program(inst)
        argv = list(inst.value) if inst.json else text.split()
        found = _argv_switch(ctx, argv, f"line {inst.start_line}: {inst.keyword}")
        if found:
            return found
        script = _script(ctx, prog) if prog else None
        if script is None:
            continue
        for n, line in enumerate(script[2].splitlines(), 1):
            words = line.split(None, 1)
            if words and words[0] == "exec" and len(words) > 1:
                found = _argv_switch(ctx, simple_words(words[1]),
                                     f"line {inst.start_line}: the {inst.keyword} script {script[0]}, at {script[0]}:{n},")
                if found:
                    return found
    return None


def privilege_drop(ctx) -> str | None:
    """Why the image's entrypoint already starts as root and drops privileges itself, or None."""
    an = ctx.an
    info = an.image
    ep = an.entrypoint
    for inst in (ep, an.cmd if ep is None or program(ep)[0] in SHELLS else None):
        if inst is None:
            continue
        prog, text = program(inst)
        tool = drop_tool(text)
        if tool:
            return f"line {inst.start_line}: {inst.keyword} drops privileges itself with {tool}"
        script = _script(ctx, prog)
        if script is not None:
            path, line, body = script
            tool = drop_tool(body)
            if tool:
                return (
                    f"line {inst.start_line}: the {inst.keyword} script {path} (copied from the build context "
                    f"on line {line}) drops privileges itself with {tool}"
                )
            if info.drops_privileges and BASE_ENTRYPOINT_RE.search(body):
                who = f" to {info.reuse_user}" if info.reuse_user else ""
                return (
                    f"line {inst.start_line}: the {inst.keyword} script {path} (copied from the build context on line "
                    f"{line}) hands over to docker-entrypoint.sh of base image {an.base_image}, which starts as root "
                    f"and drops privileges{who} itself"
                )
    if ep is None and an.cmd is None:
        replaced = _replaced_entrypoint(ctx)
        if replaced:
            return replaced
    if ep is None and info.entrypoint:  # the base image's own entrypoint runs: its script, from its layers
        from ...layers import base_entrypoint

        got = base_entrypoint(ctx)[0]
        tool = drop_tool(got.text) if got else None
        if tool:
            return (f"base image {got.image}'s entrypoint {got.path} (read from its layer {got.layer[:19]}) "
                    f"drops privileges itself with {tool}")
    own = own_switch(ctx)
    if own:
        return own
    tool_line = installs_drop_tool(an)
    runner = ep or an.cmd
    if tool_line is not None and runner is not None:
        prog = program(runner)[0]
        if ctx.script(prog) is None:
            tool, line = tool_line
            return (
                f"line {line} brings {tool} into the image, and {runner.keyword} on line {runner.start_line} runs "
                f"{prog}, which dockerfix cannot read here: it most likely starts as root and drops privileges with {tool}"
            )
    if info.drops_privileges:
        prog = program(ep)[0] if ep is not None else None
        if ep is None or (prog and "docker-entrypoint" in prog.rsplit("/", 1)[-1]
                          and ctx.script(prog) is None):
            who = f" to {info.reuse_user}" if info.reuse_user else ""
            known = f" ({info.facts_from})" if info.facts_from else ""
            base = an.base_image or f"{an.chain[0].image_raw} (every tag)"
            return f"base image {base} starts as root and its entrypoint drops privileges{who} itself{known}"
    return None


def check(ctx) -> str | None:
    drop = privilege_drop(ctx)
    if drop is None:
        return None
    if drop.endswith((" with sudo", " with su")):  # they need root to switch: as the new user they fail
        why = "sudo has no sudoers entry for it" if drop.endswith("sudo") else "su asks for a password"
        return f"{drop}; as a new USER it would fail to switch ({why}) and skip its root-only setup"
    if drop.endswith("switch to that user itself"):
        return f"{drop}: adding USER would override the user its author chose"
    return f"{drop}; adding USER would skip its root-only setup"
