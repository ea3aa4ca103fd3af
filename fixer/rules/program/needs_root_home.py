"""needs-root-home: the program, its files or its working folder are in root's home (/root).

/root is mode 0700 in every base image: only root can enter it. A container whose working folder
is under /root does not even start as another user (the runtime cannot `chdir` there), and a
program that ENTRYPOINT/CMD names by a path under /root (`java -jar /root/app.jar`,
`/root/server`) cannot be read or run. dockerfix moves what the build leaves under /root when
nothing names it (pip's `--user` site, caches, with their ENV set again), but it does not rewrite
the WORKDIR or the program's command line, so the change cannot be shown safe: the file is left
alone, naming the line. Moving the program out of /root (or into the new user's home) and
setting WORKDIR there makes it fixable.

Paths with variables are resolved with the file's ARG/ENV defaults; one that cannot be resolved
is not evidence. A stage that runs nothing of its own and whose base image sets no working folder
under /root is not this rule's.
"""

from __future__ import annotations

import re

from ... import lazyre

NAME = "needs-root-home"
SUMMARY = "The working folder, or the program ENTRYPOINT/CMD names, is under /root (mode 0700), which a new user cannot enter."
EXAMPLE = 'FROM eclipse-temurin:21-jre\nCOPY app.jar /root/app.jar\nWORKDIR /root\nCMD ["java", "-jar", "app.jar"]'

# a path under /root in a command line: `/root/app.jar`, `--config=/root/cfg.yml` (not `/rootfs`)
ROOT_PATH_RE = lazyre.compile(r"(?:^|[\s=:'\"])(/root(?:/[\w.@%+-][\w./@%+-]*)?)(?![\w.-])")


def _inside_root(path: str) -> bool:
    return path == "/root" or path.startswith("/root/")


def check(ctx) -> str | None:
    an = ctx.an
    wd = (an.workdir or "/").rstrip("/") or "/"
    if _inside_root(wd):
        if an.workdir_line is not None:
            where = f"line {an.workdir_line}: WORKDIR {wd}"
        else:
            where = f"base image {an.base_image}'s working folder {wd}"
        return (f"{where} is under /root (mode 0700): a new user cannot enter it, so the container would not "
                f"start; move the program and the WORKDIR out of /root to fix it")
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        words = list(inst.value) if inst.json else [inst.args]
        for word in words:
            if "$" in word:
                word = re.sub(r"\$\{?(\w+)\}?", lambda m: an.env.get(m.group(1)) or m.group(0), word)
            m = ROOT_PATH_RE.search(word)
            if m:
                return (f"line {inst.start_line}: {inst.keyword} names {m.group(1)}, under /root (mode 0700): a new "
                        f"user cannot read or run it there; move it out of /root (and name the new path) to fix it")
    return None
