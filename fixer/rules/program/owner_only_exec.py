"""owner-only-exec: the program ENTRYPOINT/CMD runs is executable by its owner (root) only.

`chmod u+x /usr/bin/run.sh` on a file that was not executable (a file copied from a checkout with
mode 0644, a download that `curl -o`/`wget -O` or a `>` wrote with mode 0644), or `chmod 700`,
`chmod 744`, `chmod 750` (no execute bit for others), leaves a program only root may run: the file
belongs to root, and a new user is neither its owner nor in root's group. ENTRYPOINT/CMD naming it
directly then fails with "permission denied" at every start. dockerfix does not rewrite a chmod,
so the file is left alone, naming the chmod line; `chmod +x` or `chmod 755` (or a `COPY --chmod=755`)
makes it fixable.

What does not fire: a program run through an interpreter (`sh run.sh`, `python app.py`: reading is
enough), a file handed to a user (`chown`, `COPY --chown`: a new user may be that user), `chmod u+x`
on a file copied from the build context that others may already execute (its mode is kept), on a
file from another stage or image (its mode is not known), a later `chmod` that gives others the
execute bit, modes with variables.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat

from ... import lazyre
from ...evidence import program, program_paths

NAME = "owner-only-exec"
SUMMARY = "The program ENTRYPOINT/CMD runs is made executable by its owner only (chmod u+x on a 0644 file, chmod 700/744): a new user cannot run it."
EXAMPLE = "FROM debian:bookworm-slim\nCOPY run.sh /usr/bin/run.sh\nRUN chmod u+x /usr/bin/run.sh\nCMD [\"/usr/bin/run.sh\"]"

INTERPRETERS = frozenset(("sh", "bash", "dash", "ash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node",
                          "java", "php", "deno", "bun", "lua", "Rscript", "env", "exec"))
_SEGMENT_RE = re.compile(r"&&|\|\||[;\n|]")
_CONT_RE = re.compile(r"\\\r?\n")
_CHMOD_RE = lazyre.compile(r"(?:^|[\s/])chmod\s+(.*)$")
_DOWNLOAD_RE = lazyre.compile(r"(?:^|[\s/])(?:curl|wget)\s")


def _segments(text: str) -> list[str]:
    return [s.strip() for s in _SEGMENT_RE.split(_CONT_RE.sub(" ", text)) if s.strip()]


def mode_effect(mode: str) -> str | None:
    """What a chmod mode does to the execute bit of others: "owner" (execute for the owner or
    group only, others not: `u+x`, `700`, `744`), "all" (others may execute: `+x`, `755`,
    `a+x`, `o+x`), "none" (no execute change), or None (not understood)."""
    if re.fullmatch(r"0?[0-7]{3}|[0-7]{4}", mode):
        digits = mode[-3:]
        if int(digits[0]) & 1 and not int(digits[2]) & 1:
            return "owner"
        return "all" if int(digits[2]) & 1 else "none"
    effect = "none"
    for clause in mode.split(","):
        m = re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*)", clause)
        if not m:
            return None
        who, op, perms = m.groups()
        if "x" not in perms and "X" not in perms:
            if op == "=" and ("o" in who or "a" in who):
                effect = "none" if effect != "owner" else "owner"
            continue
        if op == "-":
            continue
        if not who or "a" in who or "o" in who:
            effect = "all"
        elif effect != "all":
            effect = "owner"
    return effect


def _chmods(an):
    """(line, effect, mode, absolute paths, recursive) of each chmod of the chain's RUNs, in order."""
    wd = "/"
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "workdir" and inst.value:
                w = inst.value[0]
                if "$" in w:
                    wd = None  # a folder from a variable: relative paths after it are not known
                elif w.startswith("/") or wd is not None:
                    wd = posixpath.normpath(posixpath.join(wd or "/", w))
            if inst.cmd != "run" or inst.json:
                continue
            text = inst.args + "".join("\n" + h.content for h in inst.heredocs)
            for seg in _segments(text):
                m = _CHMOD_RE.search(seg)
                if not m:
                    continue
                words = [w.strip("'\"") for w in m.group(1).split()]
                opts = [w for w in words if w.startswith("-") and not re.fullmatch(r"-[rwxXst]+", w)]
                rest = [w for w in words if w not in opts]
                if len(rest) < 2 or "$" in rest[0]:
                    continue
                effect = mode_effect(rest[0])
                if effect is None:
                    continue
                paths = [posixpath.normpath(posixpath.join(wd or "/", p)) for p in rest[1:]
                         if "$" not in p and not set(p) & set("*?[") and (p.startswith("/") or wd is not None)]
                recursive = any(o in ("-R", "--recursive") or (o.startswith("-") and not o.startswith("--") and "R" in o)
                                for o in opts)
                yield inst.start_line, effect, rest[0], paths, recursive


def _applies(path: str, target: str, recursive: bool) -> bool:
    return path == target or (recursive and path.startswith(target.rstrip("/") + "/"))


def _not_executable_before(ctx, path: str, before: int) -> str | None:
    """Why the file at `path` had no execute bit for others before the chmod on line `before`:
    copied from the build context without it, or written by a download; None when not known."""
    from ...evidence import origins

    an = ctx.an
    for src, line in origins(ctx.stages, an.final, path):
        if line >= before:
            continue
        for root in (ctx.context, ctx.repo_root):
            if not root:
                continue
            real = os.path.realpath(os.path.join(root, src.lstrip("/")))
            if not real.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(real):
                continue
            if _copy_chmod(an, line):
                return None
            mode = os.stat(real).st_mode
            if mode & stat.S_IXOTH:
                return None
            return f"{src} (copied on line {line}) has mode {stat.S_IMODE(mode):04o}"
        return None
    # written by a download in a RUN before the chmod: `curl -L URL > /usr/bin/jq`, `curl -o PATH`, `wget -O PATH`
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd != "run" or inst.start_line > before:
                continue
            for seg in _segments(inst.args):
                if not _DOWNLOAD_RE.search(seg):
                    continue
                if re.search(r"(?:>|\s-o|\s-O|--output(?:-document)?[=\s])\s*['\"]?" + re.escape(path) + r"(?![\w./-])", seg):
                    return f"line {inst.start_line} downloads it (mode 0644)"
    return None


def _copy_chmod(an, line: int) -> bool:
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.start_line == line and inst.cmd in ("copy", "add") and inst.flag("chmod") is not None:
                return True
    return False


def _handed(an, path: str) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for o in an.owners if o.user for p in o.paths)


def _unreadable_script(an, inst, chmods) -> str | None:
    """Why the script an interpreter runs (`sh /app/run.sh`) cannot be read by a new user: a chmod
    with a number that gives others no read bit (`chmod 700`)."""
    argv = list(inst.value) if inst.json else inst.args.split()
    args = [a.strip("'\"") for a in argv[1:] if not a.startswith("-")]
    if not args or "$" in args[0]:
        return None
    for path in program_paths(an, args[0]) if "/" in args[0] else [posixpath.normpath(posixpath.join(an.workdir or "/", args[0]))]:
        last = None
        for line, _effect, mode, targets, recursive in chmods:
            if any(_applies(path, t, recursive) for t in targets) and re.fullmatch(r"0?[0-7]{3}|[0-7]{4}", mode):
                last = (line, mode)
        if last and not int(last[1][-1]) & 4 and not _handed(an, path):
            return (f"line {last[0]}: {path}, which line {inst.start_line}: {inst.keyword} runs with {argv[0]}, is root's and "
                    f"mode {last[1]} gives others no read bit: a new user cannot read it; use `chmod 755` (or 644) to "
                    f"make the file fixable")
    return None


def check(ctx) -> str | None:
    an = ctx.an
    chmods = list(_chmods(an))
    if not chmods:
        return None
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        prog, _text = program(inst)
        if not prog:
            continue
        prog = prog.strip("'\"")
        if posixpath.basename(prog) in INTERPRETERS or re.match(r"(?:python|ruby|perl|php|node)[\d.]*$",
                                                                 posixpath.basename(prog)):
            reason = _unreadable_script(an, inst, chmods)
            if reason:
                return reason
            continue
        for path in program_paths(an, prog):
            last = None
            for line, effect, mode, targets, recursive in chmods:
                if any(_applies(path, t, recursive) for t in targets) and effect != "none":
                    last = (line, effect, mode)
            if last is None or last[1] != "owner" or _handed(an, path):
                continue
            line, _effect, mode = last
            if re.fullmatch(r"[0-7]{3,4}", mode):
                why = f"mode {mode} gives others no execute bit"
            else:
                before = _not_executable_before(ctx, path, line)
                if before is None:
                    continue
                why = f"{before}, so `chmod {mode}` makes it executable by root alone"
            return (f"line {line}: {path}, which line {inst.start_line}: {inst.keyword} runs, is root's and {why}: a new "
                    f"user cannot run it (permission denied at every start); use `chmod 755` (or `chmod +x`) "
                    f"to make the file fixable")
    return None
