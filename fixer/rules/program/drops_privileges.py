"""drops-privileges: the image's entrypoint starts as root and drops privileges itself.

Such an entrypoint first does root-only setup (creating and chowning data folders on fresh
volumes), then switches to its service user with gosu, su-exec, setpriv, runuser, `chroot
--userspec`, s6-setuidgid, chpst, `sudo -u USER` or `su USER -c` (parsed in fixer/switchuser.py).
Adding USER would skip that setup. Seen in the base image
(postgres, redis, mysql, ...: `drops_privileges` in images.toml), in ENTRYPOINT/CMD, in an
entrypoint script copied from the build context, or guessed when the stage installs such a tool
and runs a script dockerfix cannot read.

The script is found where the build puts it: also through a `RUN ln -s` symlink, or copied into
`/usr/local/bin` without a trailing slash. An own entrypoint script that hands over to the base
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
            return f"base image {an.base_image} starts as root and its entrypoint drops privileges{who} itself{known}"
    return None


def check(ctx) -> str | None:
    drop = privilege_drop(ctx)
    if drop is None:
        return None
    if drop.endswith((" with sudo", " with su")):  # they need root to switch: as the new user they fail
        why = "sudo has no sudoers entry for it" if drop.endswith("sudo") else "su asks for a password"
        return f"{drop}; as a new USER it would fail to switch ({why}) and skip its root-only setup"
    return f"{drop}; adding USER would skip its root-only setup"
