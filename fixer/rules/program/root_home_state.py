"""state-in-root-home: the build leaves settings or tools in root's home that the image's users rely on.

Steps that run as root with no HOME of their own write into root's home, /root: `git config
--global` writes /root/.gitconfig; installers and version managers that install into `~` put the
tool under /root (`~/.nvm`, `~/.pyenv`, `~/.cargo`, `~/.sdkman`). A USER switches HOME to the new
user's home, so whatever the image's users relied on from /root is gone for them (and /root is mode
0700: they cannot even reach it). The file is left alone, naming the line, when it shows that the
state is for the image's users, not only for its build:

- `git config --global ... safe.directory`: the setting lets git work on a repository owned by
  someone else, that is a checkout mounted into the running container; the new user's git does not
  read root's ~/.gitconfig and refuses the mounted repository. (The build itself never needs it: what
  a COPY brings belongs to root, who runs the build.) `git config --system` (which writes
  /etc/gitconfig, read by every user) makes the file fixable;
- a line the build writes into a shell start-up file every user's shell reads (/etc/profile,
  /etc/profile.d/*, /etc/bash.bashrc, /etc/environment) that names a path under `~` or `$HOME`
  which the build filled as root (`echo 'source ~/.nvm/nvm.sh' >> /etc/profile.d/nvm.sh` after
  `source ~/.nvm/nvm.sh && nvm install ...`): the new user's shells look in the new user's home,
  where the tool is not.

A run line of the repository that mounts into root's home (`-v ~/.ssh:/root/.ssh`) is
deployment-needs-root's.

What does not fire: `git config --global` for other settings (build-time credentials, a name for
commits the build makes), `--system` settings, a HOME the file sets elsewhere before the step, steps
that run as another USER, a start-up line naming a path nothing in the build puts under `~`.
"""

from __future__ import annotations

import re

from ... import lazyre

NAME = "state-in-root-home"
SUMMARY = "The build leaves what the image's users rely on in root's home (git's safe.directory, a tool sourced from ~ by /etc/profile.d): a new user's HOME is elsewhere."
EXAMPLE = ("FROM golang:1.23\nRUN git config --global --add safe.directory '*'\nCOPY lint /usr/bin/lint\n"
           "ENTRYPOINT [\"lint\"]")

# a shell start-up file every user's shell reads
STARTUP = r"/etc/(?:profile(?:\.d/[\w.@+-]+)?|bash\.bashrc|bashrc|environment|zsh/zshenv|zsh/zshrc|zshenv|zshrc)"
STARTUP_WRITE_RE = lazyre.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*['\"]?(" + STARTUP + r")(?![\w./-])")
# a path under the running user's home: ~/X, $HOME/X, ${HOME}/X
HOME_PATH_RE = lazyre.compile(r"(?:~|\$\{?HOME\}?)/([\w.@+-]+)")
_SEGMENT_RE = re.compile(r"&&|\|\||[;\n|]")
_CONT_RE = re.compile(r"\\\r?\n")


def _segments(text: str) -> list[str]:
    return [s.strip() for s in _SEGMENT_RE.split(_CONT_RE.sub(" ", text)) if s.strip()]


def _root_runs(an):
    """(line, text) of the chain's RUNs that run as root with root's home (no USER, no HOME of the file's own)."""
    from ...stages import is_root_user

    base_user = an.image.default_user or ""
    root = not base_user or is_root_user(base_user)
    home_root = (an.image.env.get("HOME") or "/root").rstrip("/") in ("/root", "")
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "user":
                raw = inst.value[0] if inst.value else ""
                root = is_root_user(raw.split(":", 1)[0])
            elif inst.cmd == "env":
                for k, v in _env_items(inst):
                    if k == "HOME":
                        home_root = v.rstrip("/") in ("/root", "")
            elif inst.cmd == "run" and root and home_root:
                text = inst.original + "".join("\n" + h.content for h in inst.heredocs)
                yield inst.start_line, text


def _env_items(inst):
    from ...stages import env_pairs

    try:
        return env_pairs(inst)
    except Exception:  # noqa: BLE001 (a malformed ENV is not this rule's evidence)
        return []


def _safe_directory(runs) -> tuple[int, str] | None:
    for line, text in runs:
        for seg in _segments(text):
            if (re.search(r"(?:^|[\s/])git\s", seg) and re.search(r"\bconfig\b", seg)
                    and re.search(r"(?<![\w-])--global\b", seg) and re.search(r"\bsafe\.directory\b", seg)):
                return line, seg
    return None


def _startup_home(runs) -> tuple[int, str, str] | None:
    """(line, start-up file, home folder) of a start-up line naming a path the build filled in root's home."""
    runs = list(runs)
    for line, text in runs:
        for seg in _segments(text):
            w = STARTUP_WRITE_RE.search(seg)
            if not w:
                continue
            for m in HOME_PATH_RE.finditer(seg):
                name = m.group(1)
                if _filled(runs, name, seg):
                    return line, w.group(1), name
    return None


def _filled(runs, name: str, skip: str) -> bool:
    """Another step of the build names ~/NAME (or /root/NAME): it put something there as root."""
    rx = re.compile(r"(?:~|\$\{?HOME\}?|/root)/" + re.escape(name) + r"(?![\w.@+-])")
    return any(rx.search(seg) and seg != skip for _, text in runs for seg in _segments(text))


def check(ctx) -> str | None:
    an = ctx.an
    runs = list(_root_runs(an))
    found = _safe_directory(runs)
    if found:
        line, _seg = found
        return (f"line {line}: `git config --global ... safe.directory` writes root's ~/.gitconfig (/root/.gitconfig), "
                f"which lets git work on repositories mounted into the container; a new user's git reads its own home "
                f"and would refuse them; set it with `git config --system` (/etc/gitconfig) to make the file fixable")
    got = _startup_home(runs)
    if got:
        line, startup, name = got
        return (f"line {line}: {startup} makes every shell use ~/{name}, which the build filled in root's home "
                f"(/root/{name}): a new user's ~ is its own home, where the tool is not; install it outside /root "
                f"(or into the new user's home) to make the file fixable")
    return None
