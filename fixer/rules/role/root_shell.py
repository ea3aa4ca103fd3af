"""root-shell: the image is an interactive shell set up in root's own dotfiles.

Some images exist to give their user a prepared shell: the ENTRYPOINT or CMD is a bare shell
(`zsh`, `bash -l`, `/bin/bash`), and the build writes the set-up into root's home: a prompt,
completion, aliases, a welcome text or an environment appended to `~/.bashrc`/`~/.zshrc`/
`~/.profile`, oh-my-zsh installed into `~/.oh-my-zsh`, dotfiles copied to `/root/`. That set-up is
the image's purpose, and it is root's: a new user gets another, empty home (and, being no longer
root, cannot install the tools people open such a shell to use). dockerfix cannot move it safely
(the files name root's paths, installers wrote them for whoever ran them), so the file is left
alone, naming the shell and the line that configures it.

A shell run with a script or `-c` is a program, not an interactive shell; a RUN that writes the
dotfiles of a non-root USER, or of a HOME set elsewhere, is not root's set-up. Images whose shell
comes with no set-up are base-image's (a shell or REPL image others build on) or fixed.
"""

from __future__ import annotations

import posixpath
import re

from ... import lazyre
from ...stages import is_root_user

NAME = "root-shell"
SUMMARY = "The image is an interactive shell (ENTRYPOINT/CMD a bare shell) set up in root's dotfiles (~/.bashrc, ~/.zshrc, oh-my-zsh)."
EXAMPLE = 'FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y zsh\nRUN echo \'PROMPT="[api] $ "\' >> ~/.zshrc\nENTRYPOINT ["zsh"]'

SHELLS = {"bash", "zsh", "sh", "ash", "dash", "fish", "ksh", "mksh", "tcsh", "csh"}
INTERACTIVE = {"-i", "-l", "--login", "-il", "-li", "--interactive"}
_DOT = (r"\.(?:bashrc|bash_profile|bash_aliases|bash_login|profile|zshrc|zprofile|zshenv|zlogin|kshrc|mkshrc|cshrc"
        r"|tcshrc|inputrc|oh-my-zsh|config/fish/config\.fish)(?![\w.-])")
# a write onto a shell start-up file in a home: `>> ~/.bashrc`, `tee -a $HOME/.zshrc`, `cp x /root/.profile`
WRITE_RE = lazyre.compile(
    r"(?:>>?|\btee\b[^|;&\n]*?|\bsed\s+-i[^|;&\n]*?|\b(?:cp|mv|ln|install|git\s+clone)\b[^|;&\n]*?)\s*['\"]?"
    r"(?P<home>~|\$\{?HOME\}?|/root)/" + _DOT)
# the oh-my-zsh installer: it writes ~/.zshrc and ~/.oh-my-zsh for whoever runs it
OHMYZSH_RE = lazyre.compile(r"(?:ohmyzsh|oh-my-zsh)[\w./-]*/install\.sh|\bzsh-in-docker\b")
COPY_DOT_RE = lazyre.compile(r"^/root/" + _DOT)


def _shell(an) -> tuple[str, object] | None:
    """(shell, instruction) when the container's command is a bare interactive shell."""
    ep, cmd = an.entrypoint, an.cmd
    inst = ep if ep is not None and ep.value else cmd
    if inst is None:
        return None
    argv = list(inst.value) if inst.json else inst.args.split()
    if inst is ep and cmd is not None:
        argv += list(cmd.value) if cmd.json else cmd.args.split()
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    if name in SHELLS and all(a in INTERACTIVE for a in argv[1:] if a):
        return name, inst
    return None


def root_setup(an) -> tuple[int, str] | None:
    """(line, what) of the first step of the final stage's chain that sets up root's shell."""
    home = an.env.get("HOME")
    root_home = home in (None, "", "/root")
    user = an.image.default_user or "root"
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "user" and inst.value:
                user = inst.value[0]
                continue
            if not is_root_user(user.split(":", 1)[0]):
                continue
            if inst.cmd == "run":
                text = inst.original + "".join("\n" + h.content for h in inst.heredocs)
                for m in WRITE_RE.finditer(text):
                    if m.group("home") == "/root" or root_home:
                        path = m.group(0)[m.start("home") - m.start():].strip()
                        return inst.start_line, f"writes {path} (root's home)"
                if OHMYZSH_RE.search(text) and root_home:
                    return inst.start_line, "installs oh-my-zsh into root's home (~/.oh-my-zsh, ~/.zshrc)"
            elif inst.cmd in ("copy", "add") and len(inst.value) >= 2:
                dest = inst.value[-1]
                targets = [dest] + [posixpath.join(dest, posixpath.basename(s)) for s in inst.value[:-1]]
                hit = next((t for t in targets if COPY_DOT_RE.match(t)), None)
                if hit:
                    return inst.start_line, f"copies {hit} into root's home"
    return None


def check(ctx) -> str | None:
    an = ctx.an
    shell = _shell(an)
    if shell is None:
        return None
    setup = root_setup(an)
    if setup is None:
        return None
    name, inst = shell
    line, what = setup
    return (f"line {inst.start_line}: {inst.keyword} is {name}, an interactive shell, and line {line} {what}: the "
            f"image is a shell prepared for root; as a new user that set-up is gone (another, empty home)")
