"""Step 7c: files a build step creates in the folders handed to the user (issue 22, item 4).

`WORKDIR /app` + `RUN sqlite3 app.db < schema.sql` makes `/app/app.db` as root; handing `/app`
itself to the user (the folder alone, never what is in it) does not make that file writable, so
the program's first write fails. When dockerfix can name the file from the command, it is handed
to the user too (the file alone); when it cannot (a migration whose database file the project's
settings name), a warning says so.

Named: `touch F`, `sqlite3 F`, output redirections `> F` / `>> F`, `cp`/`install` destinations are
not (they copy code as often as data). `manage.py migrate`, `flask db upgrade`/`flask init-db`,
`alembic upgrade`, `rake db:migrate`/`rails db:migrate` run at build time: warned.

Only a file created by a RUN at or before the line the user block follows counts (a RUN after it
runs as the user already), and only in a folder that is handed over; every path goes through
`snippets.writable_path`.
"""

from __future__ import annotations

import posixpath
import re

from . import snippets
from .record import dataclass, field
from . import recache

_SPLIT = recache.compile(r"&&|\|\||[;\n]")
_CANDIDATE = recache.compile(r">|\btouch\b|\bsqlite3\b|manage\.py|\bflask\b|\balembic\b|\brake\b|\brails\b")
_MIGRATIONS = (
    (recache.compile(r"(?:^|[\s/])manage\.py\s+(?:migrate|syncdb)\b"), "manage.py migrate", "Django's database (db.sqlite3 by default)"),
    (recache.compile(r"\bflask\s+(?:db\s+upgrade|init-db|initdb|db\s+init)\b"), "flask db upgrade", "the app's database (instance/*.db by default)"),
    (recache.compile(r"\balembic\s+upgrade\b"), "alembic upgrade", "the database alembic is configured with"),
    (recache.compile(r"\b(?:rake|rails)\s+db:(?:migrate|setup|create|prepare)\b"), "db:migrate", "the Rails database (db/*.sqlite3)"),
)


@dataclass
class Created:
    files: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, how)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _named(script: str, cwd: str) -> list[tuple[str, str]]:
    """(absolute path, how) of the files the script's commands name as created."""
    import shlex

    out: list[tuple[str, str]] = []
    here = cwd
    for part in _SPLIT.split(script.replace("\\\n", " ")):
        part = part.strip()
        if not part or "$" in part or "`" in part:
            continue
        # redirections: `> F`, `>> F`, `>F` (not 2>&1, not /dev/null)
        for m in re.finditer(r"(?<![0-9&<>])(>>?)\s*([^\s;&|<>()'\"]+)", part):
            out.append((m.group(2), m.group(1)))
        for pipe in part.split("|"):
            try:
                words = shlex.split(pipe)
            except ValueError:
                continue
            words = [w for w in words if not re.match(r"^\d*[<>]", w)]
            while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
                words = words[1:]
            if not words:
                continue
            name, args = posixpath.basename(words[0]), [w for w in words[1:] if not w.startswith("-")]
            if name == "cd" and args:
                here = args[0] if args[0].startswith("/") else posixpath.join(here, args[0])
            elif name == "touch":
                out += [(a, "touch") for a in args]
            elif name == "sqlite3" and args:
                out.append((args[0], "sqlite3"))
        out = [(p if p.startswith("/") else posixpath.join(here, p), how) for p, how in out]
    return [(posixpath.normpath(p), how) for p, how in out if p != "/dev/null" and not p.startswith("/dev/")]


def created(an, folders: list[str], before: int, user: str) -> Created:
    """The files RUNs up to line `before` create directly in one of `folders` (handed to `user`)."""
    from .stages import run_script

    out = Created()
    cwd_of = dict((line, d) for d, line in an.run_dirs)
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd != "run" or inst.start_line > before:
                continue
            script, argv = run_script(inst)
            if script is None or not _CANDIDATE.search(script):
                continue
            cwd = cwd_of.get(inst.start_line, "/")
            for path, how in _named(script, cwd):
                folder = next((f for f in folders if posixpath.dirname(path) == f), None)
                if folder is None:
                    continue
                norm, why = snippets.writable_path(path)
                if why is not None or any(p == norm for p, _, _ in out.files):
                    continue
                out.files.append((norm, inst.start_line, how))
                out.reasons.append(f"line {inst.start_line}: `{how}` creates {norm} as root in {folder}, which "
                                   f"{user} writes: the file is handed to {user} too")
            for rx, what, which in _MIGRATIONS:
                if rx.search(script) and any(_inside(cwd, f) for f in folders):
                    out.warnings.append(
                        f"line {inst.start_line}: {what} at build time creates {which} as root, in a file dockerfix "
                        f"cannot name: {user} cannot write it; chown it to {user} after that step, or run the "
                        "migration when the container starts")
    return out
