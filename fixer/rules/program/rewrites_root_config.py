"""rewrites-root-config: the entrypoint rewrites a configuration file the Dockerfile copied as root.

Entrypoints often apply settings at start by editing the program's own configuration: `sed -i
"s/DB_HOST/$DB_HOST/" /app/config/db.yml`, `envsubst < site.tpl > /srv/app/site.conf`, `perl -pi
-e ...`, `... | tee /opt/app/app.ini`. When the Dockerfile copied that file in as root (COPY without
--chown) into a folder nobody hands to the new user, the rewrite fails as the new user: `sed -i`
needs to create a file in the folder, `>` and tee need to write the root-owned file (or to create
one in a folder a COPY made, such as `config/` of `COPY . /srv/app/`). Many scripts
go on after the failure, and the program starts with the file as copied (the wrong database host)
rather than exiting. So the file is left alone, naming the script line and the COPY line.

The same holds for an entrypoint that moves (`mv`) a file a COPY/ADD of the final stage put into a
root-owned folder (`COPY --from=build /app.war /app.war`, then `mv /app.war "$WEBAPPS/ROOT.war"` at
every start): moving it out of the folder needs write permission on the folder, so as the new user
the move fails and the program starts without it. Not: the working folder, a temporary folder, a
folder handed to a user or opened with chmod.

What does not fire: the folder is the working folder (the fix hands it to the new user, so `sed -i`
works there, though `>` on a copied file still does not), a temporary folder, a path the file hands
to a user (`COPY --chown`, RUN `chown`) or opens up with `chmod`, a file the build context does not
hold (a new file the program renders), files under /etc (starts-as-root's), paths with variables
the Dockerfile and the script do not set.
"""

from __future__ import annotations

import os
import posixpath
import re

from ... import lazyre
from ...evidence import program

NAME = "rewrites-root-config"
SUMMARY = "The entrypoint rewrites (sed -i, envsubst >, tee) a configuration file the Dockerfile copied as root: as a new user that fails."
EXAMPLE = ("FROM python:3.12-slim\nCOPY config/ /opt/app/config/\nCOPY start.sh /start.sh\nENTRYPOINT [\"/start.sh\"]\n"
           "# start.sh: sed -i \"s/@DB@/$DB_HOST/\" /opt/app/config/db.ini")

TEMP = ("/tmp/", "/var/tmp/", "/dev/", "/proc/", "/run/user/")
_ASSIGN_RE = lazyre.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=(\"[^\"$`]*\"|'[^']*'|[^\s;&|$`'\"]*)\s*$")
_VAR_RE = re.compile(r"\$\{?(\w+)\}?")
# a command that edits files in place, at a command position
_INPLACE_RE = lazyre.compile(r"(?:^|[;&|(`]|(?<![\w-])(?:exec|then|do|else)\s)\s*(?:/[\w./-]*/)?(sed|perl)\s")
_REDIRECT_RE = lazyre.compile(r"(?<![<>&\d])>>?\s*(\"[^\"]+\"|'[^']+'|[^\s;&|<>()]+)")
_TEE_RE = lazyre.compile(r"\|\s*(?:/[\w./-]*/)?tee\s+((?:-\w+\s+)*)(\"[^\"]+\"|'[^']+'|[^\s;&|<>()]+)")
_CHMOD_RE = lazyre.compile(r"(?<![\w-])chmod\s")


def _words(text: str) -> list[str]:
    """The words of one simple command, up to a redirection or a command separator."""
    from ...switchuser import simple_words

    return simple_words(text, ";&|()<>")


def _inplace_files(tool: str, words: list[str]) -> list[str]:
    """The files `sed -i ...` or `perl -i ...` edits in place ([] when it does not edit in place)."""
    inplace, script_given, files, i = False, False, [], 0
    valued = {"sed": {"-e", "--expression", "-f", "--file", "-l", "--line-length"},
              "perl": {"-e", "-E", "-I", "-M", "-m", "-x"}}[tool]
    while i < len(words):
        w = words[i]
        if w == "--":
            files += words[i + 1:]
            break
        if w.startswith("--"):
            name, eq, _ = w.partition("=")
            inplace = inplace or name == "--in-place"
            script_given = script_given or name in ("--expression", "--file")
            i += 2 if name in valued and not eq else 1
            continue
        if w.startswith("-") and len(w) > 1:
            skip = False
            for k, ch in enumerate(w[1:], 1):
                opt = "-" + ch
                if ch == "i":  # -i[SUFFIX]: the rest of the cluster is the suffix
                    inplace = True
                    break
                if opt in valued:
                    script_given = script_given or opt in ("-e", "-f", "-E")
                    skip = k == len(w) - 1  # the value is the next word
                    break
            i += 2 if skip else 1
            continue
        if not script_given:
            script_given = True  # sed's first operand is its script
        else:
            files.append(w)
        i += 1
    return files if inplace else []


def _writes(line: str) -> list[tuple[str, str]]:
    """(path as written, how) of the files one script line rewrites."""
    out = []
    for m in _INPLACE_RE.finditer(line):
        tool = m.group(1)
        for f in _inplace_files(tool, _words(line[m.end():])):
            out.append((f, f"{tool} -i"))
    for m in _REDIRECT_RE.finditer(line):
        how = "envsubst >" if re.search(r"\benvsubst\b", line[:m.start()]) else ">"
        out.append((m.group(1).strip("'\""), how))
    for m in _TEE_RE.finditer(line):
        out.append((m.group(2).strip("'\""), "tee"))
    return out


def _resolve(path: str, env: dict, local: dict, workdir: str) -> str | None:
    def sub(m):
        name = m.group(1)
        value = local.get(name, env.get(name))
        if value is None or "$" in value:
            raise KeyError(name)
        return value
    try:
        path = _VAR_RE.sub(sub, path)
    except KeyError:
        return None
    if not path or any(c in path for c in "*?[`") or path.startswith("~"):
        return None
    return posixpath.normpath(posixpath.join(workdir or "/", path))


def _copied(ctx, path: str) -> tuple[int, str] | None:
    """(COPY line, how) when a COPY/ADD from the build context put `path` there as root."""
    an = ctx.an
    root = ctx.context and os.path.realpath(ctx.context)
    for sources, dest, line in reversed(an.from_context):
        if dest.rstrip("/") == path and not dest.endswith("/"):
            return line, f"COPY on line {line} puts it there"
        if not dest.endswith("/") or not path.startswith(dest):
            continue
        rel = path[len(dest):]
        for src in sources:
            s = src.rstrip("/")
            if root is None:
                continue
            base = os.path.join(root, s.lstrip("/"))
            # `COPY conf/ /opt/app/` copies what is in conf; `COPY app.ini /opt/app/` copies the file
            cand = os.path.join(base, rel) if os.path.isdir(base) else (base if posixpath.basename(s) == rel else None)
            if cand and os.path.isfile(cand):
                real = os.path.realpath(cand)
                if real.startswith(root + os.sep):
                    return line, f"COPY on line {line} puts it there from {posixpath.join(s, rel) if os.path.isdir(base) else s}"
    return None


def _copied_folder(ctx, folder: str) -> tuple[int, str] | None:
    """(COPY line, how) when a COPY/ADD from the build context copies into `folder`, or makes it
    from a folder of the build context: it belongs to root."""
    an = ctx.an
    root = ctx.context and os.path.realpath(ctx.context)
    for sources, dest, line in reversed(an.from_context):
        d = dest.rstrip("/") or "/"
        if not dest.endswith("/"):
            continue
        if folder == d:
            return line, f"COPY on line {line} copies into {folder}"
        if root is None or not folder.startswith(d.rstrip("/") + "/"):
            continue
        rel = folder[len(d.rstrip("/")) + 1:]
        for src in sources:
            base = os.path.join(root, src.rstrip("/").lstrip("/"))
            cand = os.path.realpath(os.path.join(base, rel))
            if os.path.isdir(base) and os.path.isdir(cand) and cand.startswith(root + os.sep):
                return line, f"COPY on line {line} makes it from {posixpath.join(src.rstrip('/'), rel)}"
    return None


def _opened(ctx, path: str) -> bool:
    """The Dockerfile hands `path` (or a folder above it) to a user or opens it with chmod."""
    an = ctx.an
    for o in an.owners:
        for p in o.paths:
            if path == p or path.startswith(p.rstrip("/") + "/") or posixpath.dirname(path) == p:
                return True
    for stage in an.chain:
        for inst in stage.instructions:
            text = inst.original + "".join("\n" + h.content for h in inst.heredocs)  # `RUN <<EOF` bodies too
            if inst.cmd == "run" and _CHMOD_RE.search(text):
                if path in text or posixpath.dirname(path) in text:
                    return True
    return False


DATA_LIKE = frozenset(("data", "db", "database", "log", "logs", "tmp", "temp", "cache", "run", "uploads", "upload", "media",
                       "storage", "var", "state", "sessions", "instance", "files", "backups", "output", "outputs"))


def _filled_subfolder(ctx, folder: str, text: str) -> str | None:
    """How the build filled `folder`, a folder inside the working folder (not the working folder itself),
    as root: a RUN put the working folder's content there (`tar -x`, `mv`, `unzip`, `git clone`) or a COPY
    copied into it. None when that is not shown, or when the folder may be the program's own data
    (named like data, made with mkdir, a VOLUME, made by the script itself)."""
    an = ctx.an
    wd = (an.workdir or "/").rstrip("/")
    if not wd or wd == "/" or not folder.startswith(wd + "/") or an.workdir_line is None:
        return None
    rel = folder[len(wd) + 1:]
    if any(part.lower() in DATA_LIKE for part in rel.split("/")):
        return None
    if any(d == folder or folder.startswith(d.rstrip("/") + "/") for d, _ in an.made_dirs if d.rstrip("/") != wd):
        return None
    if any(folder == v.rstrip("/") or folder.startswith(v.rstrip("/") + "/") for v, _ in an.volumes):
        return None
    if re.search(r"\bmkdir\b[^\n]*(?:\s|/)" + re.escape(rel.split("/")[0]) + r"(?![\w.-])", text):
        return None
    for path, line in an.fills:
        p = path.rstrip("/")
        if "*" in p or "?" in p:
            continue
        if p == wd:
            return f"line {line} filled (the working folder's content)"
    for dest, line, _relative in an.copy_dests:
        d = dest.rstrip("/") or "/"
        if d == wd and dest.endswith("/") or d == folder or folder.startswith(d + "/"):
            return f"the COPY on line {line} filled"
    return None


def _bodies(ctx):
    """(where, text, script path or None) of ENTRYPOINT/CMD and the scripts they run."""
    from .starts_as_root import script

    an = ctx.an
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        prog, text = program(inst)
        yield f"line {inst.start_line}: {inst.keyword}", text, None
        argv = list(inst.value) if inst.json else text.split()
        for s in [prog] + [a for a in argv[1:3] if a.endswith(".sh")]:
            got = script(ctx, s)
            if got is not None:
                yield f"line {inst.start_line}: the {inst.keyword} script {got[0]} (copied on line {got[1]})", got[2], got[0]


# `mv SRC DEST` at a command position: moving SRC out of its folder needs write permission on it
_MV_RE = lazyre.compile(r"(?:^|[;&|(`]|(?<![\w-])(?:exec|then|do|else)\s)\s*(?:/[\w./-]*/)?mv\s")


def _moved_copy(ctx, line: str, env: dict, local: dict) -> tuple[str, int] | None:
    """(path, COPY line) when the script line moves a file a COPY/ADD of the final stage put into a
    root-owned folder (not the working folder, a temporary one, or one handed to a user)."""
    an = ctx.an
    for m in _MV_RE.finditer(line):
        words = [w for w in _words(line[m.end():]) if not w.startswith("-")]
        if len(words) != 2:
            continue
        path = _resolve(words[0], env, local, an.workdir)
        if path is None or path.startswith(TEMP) or path.startswith("/etc/"):
            continue
        folder = posixpath.dirname(path)
        # `/` is never handed over (and its name is in every chmod line): only other folders can be
        if folder != "/" and (folder == an.workdir or _opened(ctx, path)):
            continue
        for dest, at, _relative in an.copy_dests:
            if dest.rstrip("/") == path and not dest.endswith("/"):
                return path, at
    return None


def check(ctx) -> str | None:
    an = ctx.an
    env = {k: v for k, v in an.env.items() if v is not None}
    for where, text, src in _bodies(ctx):
        local: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            m = _ASSIGN_RE.match(line)
            if m:
                local[m.group(1)] = m.group(2).strip("'\"")
                continue
            moved = _moved_copy(ctx, line, env, local)
            if moved:
                at = f", at {src}:{n}," if src else ""
                folder = posixpath.dirname(moved[0])
                return (f"{where}{at} moves {moved[0]}, which the COPY on line {moved[1]} put into {folder} as root: "
                        f"moving it out needs write permission on {folder}, so as the new user the move fails at every "
                        f"start; copy it where it is used, or into a folder handed to the user")
            for written, how in _writes(line):
                path = _resolve(written, env, local, an.workdir)
                if path is None:  # `conf/"${file}"`: the folder may still be known
                    head, tail = posixpath.split(written.replace('"', "").replace("'", ""))
                    base = _resolve(head, env, local, an.workdir) if head and "$" in tail else None
                    path = base and posixpath.join(base, "?")
                if path is None or path.startswith(TEMP) or path.startswith("/etc/") or path == "/dev/null":
                    continue
                folder = posixpath.dirname(path)
                at = f", at {src}:{n}," if src else ""
                copied = None if path.endswith("/?") else _copied(ctx, path)
                if copied is None and not path.endswith("/?") and not how.endswith("-i") and folder != an.workdir:
                    made = _copied_folder(ctx, folder)  # a new file in a folder a COPY made as root
                    if made is not None and not _opened(ctx, path):
                        return (f"{where}{at} writes {path} with {how}, and the {made[1]} as root: the new "
                                f"user cannot create files there, so the settings would silently not apply; "
                                f"copy the folder with --chown, or render it into a writable folder such as /tmp")
                if _opened(ctx, path):
                    continue
                if copied is None:
                    # a folder inside the working folder that the build filled as root (`tar -x` into it)
                    filled = _filled_subfolder(ctx, folder, text)
                    if filled is not None:
                        shown = posixpath.join(folder, "...") if path.endswith("/?") else path
                        return (f"{where}{at} rewrites {shown} with {how} in {folder}, which {filled} as root: the "
                                f"fix hands the new user the working folder {an.workdir} alone, not what the build put "
                                f"in it, so {how} fails (many scripts then stop, or start the program with the settings "
                                f"not applied); hand that folder to the user (chown -R) in the file to make it fixable")
                    continue
                if how.endswith("-i") and folder == an.workdir:
                    continue  # sed -i makes its new file in the folder, which the fix hands to the user
                need = (f"a new file in {folder}" if how.endswith("-i") else "to write the root-owned file")
                return (f"{where}{at} rewrites {path} with {how}, and the {copied[1]} as root: the new user "
                        f"cannot ({how} needs {need}), so the settings would silently not apply; copy it with "
                        f"--chown, or render it into a writable folder such as /tmp")
    return None
