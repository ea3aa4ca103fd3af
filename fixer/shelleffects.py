"""Step 3: what one command line does, by what data/commands.toml says of its program.

`Effects` is the half of the walk (`shell._Analyzer`) that applies the command knowledge to a
command line the walk has expanded: it looks the program up (`commands.lookup`), reads through
wrappers, `sudo` and `sh -c`, follows `cd`, and hands the rest to the handlers its entry names
(`shellsystem`: package managers, users and groups, owners; `shellwrite`: what writers and
installers write). It records, in the walk's `facts`, what needs root and why, what proves that
the RUN ran as root, and which paths are made and written. The walk provides `ctx`, `known`,
`facts`, `env`, `cwd`, `depth`, `level`, `checked`, `unsure`, `spelled`, `tmp_made`, `_deeper`
and `script` (for `sh -c` and `eval`, read by a new walk one level deeper).
"""

from __future__ import annotations

import posixpath

from .commands import Command, lookup
from .shellfacts import UNKNOWN, Finding, base, is_option, under
from .shellsystem import HANDLERS as SYSTEM_HANDLERS
from .shellsystem import package_manager
from .shellwrite import AS_CALLED
from .shellwrite import HANDLERS as WRITE_HANDLERS


class Effects:
    # --- paths ------------------------------------------------------------------------------------

    def _cwd_root_owned(self) -> bool:
        if self.cwd is None:
            return True
        if self.cwd == self.ctx.workdir:
            # a WORKDIR in /tmp (world-writable, sticky): a new file there is its maker's
            return self.ctx.workdir_root_owned and under(posixpath.normpath(self.cwd), self.known.safe_set) is None
        return self._root_owned_abs(self.cwd)

    def _root_owned_abs(self, path: str) -> bool:
        p = posixpath.normpath(path)
        # the safe folder itself may not be writable (/tmp is), but what is under it is ours
        return under(p, self.known.safe_set) is None and under(p, self.ctx.user_dirs) in (None, "/")

    def writes_root(self, path: str) -> str | None:
        """Why writing `path` needs root, or None."""
        if path in ("", "-") or path.startswith("/dev/") or path == "/dev/null":
            return None
        if path.startswith("~"):
            return "it writes under root's home"
        if path.startswith("/"):
            known = path.split(UNKNOWN, 1)[0]
            if UNKNOWN in path and posixpath.dirname(known) in ("", "/") and not any(
                known.startswith(p + "/") for p in self.known.safe
            ):
                return "the folder is not known and may be root-owned"
            if not self._root_owned_abs(known):
                return None
            if UNKNOWN in path:
                d = known.rstrip("/") if known.endswith("/") else posixpath.dirname(known)
            else:
                d = posixpath.dirname(path[:-2] if path.endswith("/x") else path)
            return f"{d or '/'} is root-owned"
        if path.startswith(UNKNOWN):
            return "the folder is not known and may be root-owned"
        if self._cwd_root_owned():
            where = self.cwd if self.cwd is not None else "an unknown folder"
            return f"the working folder {where} is root-owned"
        return None

    def _cwd_reason(self, what: str) -> str | None:
        if self._cwd_root_owned():
            where = self.cwd if self.cwd is not None else "an unknown folder"
            return f"{what} may write into the root-owned folder {where}"
        return None

    def root(self, offset: int, command: str, reason: str) -> None:
        self.facts.root.append(Finding(offset, command, reason))

    def prove(self, offset: int, command: str, reason: str) -> None:
        """`command` could only have succeeded as root (`proves`, [package_managers] `changes` in
        commands.toml): record it as proof."""
        if not self.unsure:
            self.facts.proofs.append(Finding(offset, command, reason))

    def proof_path(self, path: str, mkdir: bool = False) -> bool:
        """Writing `path` (a created folder with `mkdir`) proves root: [paths] in commands.toml."""
        if UNKNOWN in path or not path.startswith("/"):
            return False
        p = posixpath.normpath(path[:-2] if path.endswith("/x") else path)
        if mkdir and posixpath.dirname(p) in self.known.proof_parents:
            return True
        return any(p == t or p.startswith(t + "/") for t in self.known.proof_trees)

    # --- commands -------------------------------------------------------------------------------------

    def command(self, argv: list[str], offset: int) -> None:
        if not argv or not self._deeper(offset):
            return
        try:
            self._command(argv, offset)
        finally:
            self.level -= 1

    def _command(self, argv: list[str], offset: int) -> None:
        """Apply what data/commands.toml says the program does; one it does not know is unknown."""
        name = base(argv[0])
        args = argv[1:]
        shown = argv[0].replace(UNKNOWN, "…")

        if UNKNOWN in argv[0]:
            why = self._cwd_reason(f"{shown} (a command we cannot resolve)")
            if why:
                self.root(offset, shown, why)
            return
        cmd = lookup(name, self.known)
        if cmd is None:
            self.unknown(name, offset)
            return

        if cmd.wrapper:  # look at the command it runs
            rest = self._unwrap(cmd, args)
            if rest is not None:
                if cmd.default_command and not rest:
                    rest = [cmd.default_command]
                self.command(rest, offset)
                return
        if cmd.elevates:
            self.root(offset, name, f"{name} needs root")
            i = 0
            while i < len(args) and is_option(args[i]):
                i += 2 if args[i] in cmd.with_value else 1
            self.unsure += 1  # a user may sudo: what it runs proves nothing about who runs the RUN
            self.command(args[i:], offset)
            self.unsure -= 1
            return
        if cmd.shell:
            return self._shell(name, args, offset)
        if cmd.builtin == "cd":
            return self._cd(args)
        if cmd.alias_of:
            return self.command([cmd.alias_of, *args], offset)
        if cmd.family:
            return package_manager(self, cmd, name, args, offset)
        if cmd.user_tool is not None:
            if cmd.user_tool:
                SYSTEM_HANDLERS[cmd.user_tool](self, cmd, name, args, offset)
            self.root(offset, name, f"{name} needs root (it edits /etc/passwd and /etc/group)")
            if cmd.proves:
                self.prove(offset, name, f"{name} edits /etc/passwd and /etc/group")
            return
        if cmd.root:
            if cmd.handler:
                SYSTEM_HANDLERS[cmd.handler](self, cmd, name, args, offset)
            self.root(offset, name, f"{name} needs root: {cmd.root}")
            if cmd.proves:
                self.prove(offset, name, f"{name}: {cmd.root}")
            return

        if cmd.builtin == "set":
            for k, a in enumerate(args):
                if a[:1] in "-+" and not a.startswith("--") and "e" in a or a == "-o" and args[k + 1:k + 2] == ["errexit"]:
                    self.errexit = a[0] == "-"
        if cmd.builtin == "eval":
            return self._eval(args, offset)
        if cmd.reads:
            return
        if cmd.handler:
            WRITE_HANDLERS[cmd.handler](self, cmd, argv[0] if cmd.handler in AS_CALLED else name, args, offset)
            return
        self.unknown(name, offset)

    def unknown(self, name: str, offset: int) -> None:
        why = self._cwd_reason(name)
        if why:
            self.root(offset, name, why)

    def _unwrap(self, cmd: Command, args: list[str]) -> list[str] | None:
        """The command line a wrapper runs (None: none; `[]` with a `default_command`)."""
        if cmd.all:
            return args or None
        i = 0
        while i < len(args) and (is_option(args[i]) or cmd.assignments and "=" in args[i]):
            i += 2 if args[i] in cmd.with_value else 1
        if cmd.default_command:
            return args[i:]
        if cmd.skip:
            return args[i + cmd.skip:] if i < len(args) else None
        return args[i:] or None

    def _shell(self, name: str, args: list[str], offset: int) -> None:
        """`sh -c '…'`, read as a script one level deep; `sh ./install.sh`, an unknown program."""
        if "-c" in args or any(a.startswith("-") and not a.startswith("--") and "c" in a for a in args):
            idx = next(
                (k for k, a in enumerate(args) if a == "-c" or (a.startswith("-") and not a.startswith("--") and "c" in a)),
                None,
            )
            if idx is not None and idx + 1 < len(args):
                inner = args[idx + 1]
                if self.depth >= 1 or UNKNOWN in inner:
                    why = self._cwd_reason(f"{name} -c")
                    if why:
                        self.root(offset, name, why)
                    return
                sub = type(self)(self.ctx, self.depth + 1, self.known)
                sub.env, sub.cwd, sub.level, sub.checked = self.env.new_child(), self.cwd, self.level, self.checked
                sub.unsure = self.unsure
                sub.script(inner, 0)
                for fnd in sub.facts.root:
                    self.root(offset, fnd.command, fnd.reason)
                for fnd in sub.facts.proofs:
                    self.prove(offset, fnd.command, fnd.reason)
                for u in sub.facts.users:
                    u.offset = offset
                    self.facts.users.append(u)
                for g in sub.facts.groups:
                    g.offset = offset
                    self.facts.groups.append(g)
                self.facts.families += sub.facts.families
                self.facts.installs_shadow |= sub.facts.installs_shadow
                self.facts.unnamed_ids += sub.facts.unnamed_ids
                for ch in sub.facts.chowns:
                    ch.offset = offset
                    self.facts.chowns.append(ch)
                self.facts.renames += sub.facts.renames
                self.facts.subid_users += sub.facts.subid_users
                self.facts.made_dirs += sub.facts.made_dirs
                self.facts.writes += sub.facts.writes
                return
        scripts = [a for a in args if not is_option(a)]
        if scripts:  # `sh ./install.sh`: an unknown program
            why = self._cwd_reason(f"{name} {scripts[0]}".replace(UNKNOWN, "…"))
            if why:
                self.root(offset, name, why)

    def _eval(self, args: list[str], offset: int) -> None:
        text = " ".join(args)
        if UNKNOWN in text:
            why = self._cwd_reason("eval of an unknown string")
            if why:
                self.root(offset, "eval", why)
        elif self.depth < 1:
            sub = type(self)(self.ctx, self.depth + 1, self.known)
            sub.env, sub.cwd, sub.level, sub.unsure = self.env.new_child(), self.cwd, self.level, self.unsure
            sub.script(text, 0)
            for fnd in sub.facts.root:
                self.root(offset, fnd.command, fnd.reason)
            for fnd in sub.facts.proofs:
                self.prove(offset, fnd.command, fnd.reason)

    def _cd(self, args: list[str]) -> None:
        target = next((a for a in args if not is_option(a)), None)
        if target is None or target == "~":
            self.cwd = "/root"
        elif UNKNOWN in target and not target.startswith("/tmp/"):
            self.cwd = None
        elif target.startswith("/"):
            self.cwd = posixpath.normpath(target)
        elif target == "-":
            self.cwd = None
        elif self.cwd is not None:
            self.cwd = posixpath.normpath(posixpath.join(self.cwd, target))

    # --- what commands write ---------------------------------------------------------------------------

    def targets(self, name: str, offset: int, paths: list[str], prove: bool = True, made: bool = False,
                fill: bool = False) -> None:
        """`name` writes `paths` (relative ones in the working folder; a trailing `/x`: something
        inside the folder): record what it makes and writes, and whether that needs or proves root.
        `made`: folders it creates; `fill`: what it writes lands in the folder it names."""
        for p in paths:
            full = posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
            if UNKNOWN not in full:
                full = full[:-2] if full.endswith("/x") else full
                if not made and fill:  # what they write lands in the folder they name
                    full = full.rstrip("/") + "/"
                (self.facts.made_dirs if made else self.facts.writes).append(full)
        for p in paths:
            full = posixpath.normpath(p if p.startswith("/") else posixpath.join(self.cwd or UNKNOWN, p))
            if full.startswith(("/tmp/", "/var/tmp/")):
                self.tmp_made.add(full[:-2] if full.endswith("/x") else full)
            why = self.writes_root(p)
            if why:
                shown = (p[:-2] if p.endswith("/x") else p).replace(UNKNOWN, "…")
                self.root(offset, name, f"{name} {shown} needs root: {why}")
                if prove and self.proof_path(p):
                    self.prove(offset, name, f"{name} {shown} writes a folder of root's")
                return
