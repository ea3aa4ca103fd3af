"""Step 7a: what the program must still write and read once it runs as the new user.

`plan` asks this module, for a final stage that runs a program (an ENTRYPOINT or CMD along its
chain), which paths to hand to the user and what to move out of /root:

- `needs(...)`: the working folder (the last WORKDIR: the folder itself, never what is in it),
  folders the Dockerfile makes for data and never fills (`mkdir`, `install -d`, a WORKDIR nothing
  is copied into and nothing runs in), the base image's VOLUMEs (images.toml `volumes`), and the
  data the build context puts in the working folder (SQLite files and well-known data folders read
  from the build context, honouring `.dockerignore`): those recursively, they hold no code; and the
  absolute log folders the program's own configuration names (a configuration file a COPY brings
  from the build context, or src/main/resources of a JVM program's Maven/Gradle build): the program
  creates or writes them at start; and the folders inside the working folder that the program's
  framework writes at run time (`rundirs`: a dev server's node_modules/.cache, mix's _build, Rails'
  tmp, a logs/ the build filled, ...), with what is in them;
- `relocate_root(...)`: what the stage puts under /root (mode 0700: the new user cannot enter it)
  and still uses through ENV (`PATH=/root/.local/bin:$PATH`, `HOME=/root`), moved under the new
  user's home with the ENV set again there; only when nothing else names the old path.

Every path goes through `snippets.writable_path` first; each choice is a reason. dockerfix only
inserts lines, so when data arrives after the insertion point the block moves below it (every
line in between ran as root in the original too, and still does).
"""

from __future__ import annotations

import os
import posixpath
import re

from . import lazyre
from . import snippets
from .record import dataclass, field
from .stages import Analysis, env_pairs, is_root_user

# folders a program keeps its data in (Flask's instance/, Rails' log/ tmp/ storage/ db/, uploads)
DATA_NAMES = frozenset((
    "instance", "uploads", "upload", "media", "data", "db", "database", "log", "logs", "tmp", "temp",
    "storage", "var", "cache", "state", "sessions", "files", "backups", "output", "outputs", "downloads",
))
# the names the build context may bring into the working folder as data (issue 14)
CONTEXT_DATA_DIRS = frozenset(("instance", "uploads", "media", "data", "db", "log", "logs", "tmp", "storage", "var"))
SQLITE = (".db", ".sqlite", ".sqlite3")  # the name ends with one: a SQLite database file
_SIMPLE = lazyre.compile(r"^[A-Za-z0-9._-]+$")
_ENV_VALUE = lazyre.compile(r"^[A-Za-z0-9._/@+:;,{}$-]+$")


@dataclass
class Path:
    path: str
    recursive: bool = False  # chown -R: only data folders, never a folder holding code
    create: bool = True  # mkdir -p first (a folder); False for a file that exists
    line: int = 0  # the line that makes the folder (it exists after it)


@dataclass
class Needs:
    paths: list[Path] = field(default_factory=list)
    after: int = 0  # the block must follow this line (data copied in before it)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def runs_program(an: Analysis) -> bool:
    return an.entrypoint is not None or an.cmd is not None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def needs(an: Analysis, context: str | None, dockerfile: str | None, user: str, script: str | None = None,
          script_name: str | None = None) -> Needs:
    """The paths the program of the final stage writes, beyond VOLUMEs and --writable (`script`:
    the text of the entrypoint script, when read from the build context; `script_name`: its path)."""
    out = Needs()
    if not runs_program(an):
        return out
    seen: set[str] = set()

    # what the file already hands to a user (chown, COPY --chown) keeps the owner it chose
    # (a folder in one it hands over after making the folder, too: `chown -R unit /opt/unit`)
    owned = [(p, o.line) for o in an.owners if o.user and not is_root_user(o.user) for p in o.paths]

    def add(p: Path, why: str) -> None:
        if any(_inside(p.path, o) and line >= p.line for o, line in owned):
            return
        if p.path not in seen:
            seen.add(p.path)
            out.paths.append(p)
            out.reasons.append(why)

    wd, wline = an.workdir, an.workdir_line
    if wline is None or wd == "/":
        rel = [line for _, line, relative in an.copy_dests if relative]
        if rel:
            out.warnings.append(
                f"line {rel[0]}: files are copied into / by a relative path and the final stage sets no WORKDIR: "
                f"the program runs in /, where {user} cannot create files; if it writes by relative path (a log, "
                "a dump, a database), give it a WORKDIR of its own")
    else:
        norm, why = snippets.writable_path(wd)
        if why is None:
            add(Path(norm, line=wline), f"line {wline}: WORKDIR {norm} is the program's working folder: {user} may create "
                            "files in it (a log, a database); what is in it stays root's")
        elif _inside(wd, "/root"):
            out.warnings.append(f"line {wline}: the working folder {wd} is under /root, which {user} cannot enter "
                                "(mode 0700): the program cannot start there; move it out of /root")
        else:
            out.warnings.append(f"line {wline}: the working folder {wd} {why}; not handed to {user}: a program "
                                "that writes relative paths there fails")
    for d, line in _data_folders(an):
        add(Path(d, line=line), f"line {line}: {d} is made for data and the build puts nothing in it: handed to {user}")
    for v in an.image.volumes:
        norm, why = snippets.writable_path(v)
        if why is None:
            add(Path(norm), f"base image {an.base_image} declares VOLUME {norm}: handed to {user}")
    for d, where in named_data_folders(an):
        add(Path(d), f"{where} names {d} for the program's data: handed to {user}")
    if wline is not None and context is not None:
        for target, line, is_dir in _context_data(an, context, dockerfile):
            norm, why = snippets.writable_path(target)
            if why is not None:
                continue
            what = "folder" if is_dir else "SQLite file"
            add(Path(norm, recursive=is_dir, create=False),
                f"line {line}: the build context brings the data {what} {posixpath.basename(norm)} into "
                f"{an.workdir}: handed to {user}" + (" with what is in it" if is_dir else ""))
            out.after = max(out.after, line)
    if wline is not None:  # folders the program's framework writes inside its working folder (rundirs)
        from . import rundirs

        for f in rundirs.found(an, context, script, user, script_name):
            known = next((p for p in out.paths if p.path == f.path), None)
            if known is not None and not known.recursive:  # a folder made for data: what the build put in it too
                known.recursive = True
                out.reasons.append(f.why)
            elif known is None:
                add(Path(f.path, recursive=True), f.why)
                if f.path not in seen:
                    continue  # the file already hands it to a user of its own
            else:
                continue
            out.after = max(out.after, f.after)
    if context is not None:
        found = _config_log_folders(context) if _runs_jvm(an) else []
        for folder, where in _copied_config_log_folders(an, context):
            if folder not in [o for o, _ in found]:
                found.append((folder, where))
        for folder, where in found:
            if any(folder != o and _inside(folder, o) for o, _ in found):
                continue  # the program makes a folder inside one it owns itself
            norm, why = snippets.writable_path(folder)
            if why is not None or _inside(norm, "/tmp"):
                continue
            add(Path(norm), f"{where} (the program's own configuration) names the folder {norm} for its logs, "
                            f"which it creates or writes at start: handed to {user}")
    return out


# --- the program's own configuration (a JVM program built from the build context) ---------------------

_JVM_RE = lazyre.compile(r"(?:^|[\s/\"'\[,])java(?:[\s\"',\]]|$)|\.jar\b")
# configuration files a Maven/Gradle build packages into the program (src/main/resources)
_CONFIG_GLOBS = ("application*.properties", "application*.yml", "application*.yaml", "bootstrap*.yml",
                 "bootstrap*.yaml", "logback*.xml", "log4j2*.xml")
# a settings key naming where logs go: logging.file.path, logging.file.name, x.executor.logpath, log.dir, LOG_HOME
_LOG_KEY_RE = lazyre.compile(r"(?i)(?:^|[._-])log(?:ging)?[._-]?(?:file[._-]?)?(?:path|dir|directory|folder|home|name|file)$")
# `key=value` or `key: value` (properties and flat YAML; a nested YAML key is joined with its parents)
_PROP_RE = lazyre.compile(r"^(\s*)([\w.-]+)\s*[=:]\s*(.*?)\s*$")
# logback/log4j2: <property name="LOG_HOME" value="/x"/>, <file>/x/a.log</file>, fileName="/x/a.log"
_XML_RE = lazyre.compile(r"<property\s+name=\"([^\"]*)\"\s+value=\"([^\"]*)\"|<file>([^<]*)</file>|\bfileName=\"([^\"]*)\"")
# ${NAME:-default} (logback), ${NAME:default} (Spring): the default
_DEFAULT_RE = re.compile(r"\$\{[\w.-]+:-?([^}]*)\}")


def _runs_jvm(an: Analysis) -> bool:
    return any(inst is not None and _JVM_RE.search(inst.original) for inst in (an.entrypoint, an.cmd))


def _log_folder(value: str, is_file: bool) -> str | None:
    """The absolute folder a log setting's value names (its file's folder), defaults filled in."""
    value = _DEFAULT_RE.sub(lambda m: m.group(1), value.strip().strip("'\""))
    if not value.startswith("/") or "$" in value or "{" in value:
        return None
    value = posixpath.normpath(value)
    if is_file or re.search(r"\.(?:log|txt|out|json)$|%d", posixpath.basename(value)):
        value = posixpath.dirname(value)
    return value if value.count("/") >= 2 else None


def _log_settings(lines: list[str], name: str, rel: str, out: list[tuple[str, str]]) -> None:
    """Add (folder, rel:line) of each absolute log folder a configuration file's settings name."""
    stack: list[tuple[int, str]] = []  # YAML parents: (indent, key)
    for n, line in enumerate(lines, 1):
        if name.endswith(".xml"):
            for m in _XML_RE.finditer(line):
                if m.group(1) is not None and not re.search(r"(?i)log", m.group(1)):
                    continue
                value = m.group(2) if m.group(1) is not None else (m.group(3) or m.group(4))
                folder = _log_folder(value, is_file=m.group(1) is None)
                if folder and folder not in [o for o, _ in out]:
                    out.append((folder, f"{rel}:{n}"))
            continue
        if line.lstrip().startswith(("#", "!", ";", "//")):
            continue
        m = _PROP_RE.match(line)
        if not m:
            continue
        indent, key, value = len(m.group(1)), m.group(2), m.group(3)
        if name.endswith((".yml", ".yaml")):
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if not value:
                stack.append((indent, key))
                continue
            key = ".".join([k for _, k in stack] + [key])
        if _LOG_KEY_RE.search(key):
            is_file = bool(re.search(r"(?i)(?:name|file)$", key))
            folder = _log_folder(value, is_file)
            if folder and folder not in [o for o, _ in out]:
                out.append((folder, f"{rel}:{n}"))


_COPIED_CONFIG_RE = lazyre.compile(r"(?i)\.(?:properties|ya?ml|toml|ini|cfg|conf)$|^(?:logback|log4j2?)[\w.-]*\.xml$")


def _copied_config_log_folders(an: Analysis, context: str) -> list[tuple[str, str]]:
    """(folder, file:line) of the absolute log folders named by configuration files a COPY/ADD of the
    final stage brings from the build context (the files a COPY names, and those at the top of a folder
    it copies; at most 20 configuration files read)."""
    from .discover import copy_sources

    root = os.path.realpath(context)
    out: list[tuple[str, str]] = []
    seen = 0
    for sources, _dest, _line in an.from_context:
        for src in sources:
            if "$" in src or src.startswith(("http://", "https://", "git@")):
                continue
            hits = []
            for hit in copy_sources(root, src)[:20]:
                if os.path.isdir(hit):  # `COPY config/ /etc/app/`: the files at its top
                    try:
                        hits += [os.path.join(hit, n) for n in sorted(os.listdir(hit))[:50]]
                    except OSError:
                        continue
                else:
                    hits.append(hit)
            for hit in hits:
                name = os.path.basename(hit)
                if not _COPIED_CONFIG_RE.search(name) or not os.path.isfile(hit):
                    continue
                seen += 1
                if seen > 20:
                    return out
                lines = _read_lines(hit, root)
                if lines is not None:
                    _log_settings(lines, name, os.path.relpath(hit, context).replace(os.sep, "/"), out)
    return out


def _read_lines(path: str, root: str) -> list[str] | None:
    real = os.path.realpath(path)
    if not real.startswith(root + os.sep) or not os.path.isfile(real) or os.path.getsize(real) > (256 << 10):
        return None
    try:
        with open(real, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return None


def _config_log_folders(context: str) -> list[tuple[str, str]]:
    """(folder, file:line) of the absolute log folders the configuration under src/main/resources of a
    Maven or Gradle build context names (bounded: a handful of small files)."""
    import fnmatch

    if not any(os.path.isfile(os.path.join(context, f)) for f in ("pom.xml", "build.gradle", "build.gradle.kts")):
        return []
    res = os.path.join(context, "src", "main", "resources")
    try:
        names = sorted(n for n in os.listdir(res) if any(fnmatch.fnmatch(n, g) for g in _CONFIG_GLOBS))
    except OSError:
        return []
    root = os.path.realpath(context)
    out: list[tuple[str, str]] = []
    for name in names[:12]:
        path = os.path.join(res, name)
        lines = _read_lines(path, root)
        if lines is not None:
            _log_settings(lines, name, os.path.relpath(path, context).replace(os.sep, "/"), out)
    return out


def _data_folders(an: Analysis) -> list[tuple[str, int]]:
    """Folders the stage makes for data: made by mkdir/install -d/WORKDIR, named like data (or a
    program's /var/lib, /var/log, /var/cache, /run folder), and never filled by the build: no COPY
    lands in them, no RUN writes inside them or runs in them, the working folder is not in them."""
    out: list[tuple[str, int]] = []
    for d, line in an.made_dirs:
        norm, why = snippets.writable_path(d)
        if why is not None or norm == an.workdir or _inside(an.workdir, norm):
            continue
        parts = norm.strip("/").split("/")
        data_tree = parts[0] in ("var", "run") and len(parts) > 1 and parts[1] != "www"
        if posixpath.basename(norm).lower() not in DATA_NAMES and not data_tree:
            continue
        if any(_inside(c, norm) and (c != norm or not _is_made(an, c)) for c, _, _ in an.copy_dests):
            continue
        if any(w.startswith(norm + "/") and not _is_made(an, w) for w, _ in an.fills):
            continue
        if any(_inside(r, norm) for r, _ in an.run_dirs):
            continue
        if all(o != norm for o, _ in out):
            out.append((norm, line))
    return out


# a command-line flag naming where the program keeps its data: --data-dir, -datadir, --db-path,
# --storage.tsdb.path, --path.data, --log-dir, --cache-dir, --state-dir, --database (a file)
_DATA_FLAG_RE = lazyre.compile(
    r"^--?(?:[\w]+[.-])*(?:data|db|database|storage|state|logs?|cache|uploads?|media|sqlite)"
    r"(?:[._-]?(?:dir|directory|path|folder|root|location|file|home))?$|^--?path\.(?:data|logs)$", re.I)
# an ENV naming one: APP_DATA_DIR, DB_PATH, STORAGE_ROOT, LOG_DIR, XDG_CACHE_HOME, UPLOAD_FOLDER
_DATA_ENV_RE = lazyre.compile(r"(?:^|_)(?:DATA|DB|DATABASE|STORAGE|STATE|LOGS?|CACHE|UPLOADS?|MEDIA|SQLITE)_?"
                              r"(?:DIR|DIRECTORY|PATH|FOLDER|ROOT|HOME|FILE|LOCATION)$")
_FILE_NAME_RE = lazyre.compile(r"\.(?:db|sqlite3?|log|json|ya?ml|toml|bolt|lock)$", re.I)


def _data_folder(value: str, is_file: bool) -> str | None:
    """The folder a flag's or ENV's value names for data (a file's folder), if it may be handed over."""
    value = value.strip("'\"")
    if not value.startswith("/") or "$" in value:
        return None
    if is_file or _FILE_NAME_RE.search(value):
        value = posixpath.dirname(value)
    norm, why = snippets.writable_path(value)
    if why is not None or _inside(norm, "/tmp") or _inside(norm, "/dev"):
        return None
    return norm


def named_data_folders(an: Analysis) -> list[tuple[str, str]]:
    """(folder, where) of the folders the program's start command line (`--data-dir /var/lib/app`,
    `--db=/data/app.db`) or the final stage's ENV (`APP_DATA_DIR=/var/lib/app`) names for its data:
    it creates or writes them at start."""
    out: list[tuple[str, str]] = []
    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        argv = list(inst.value) if inst.json else inst.args.split()
        for i, arg in enumerate(argv):
            flag, eq, value = arg.partition("=")
            if not _DATA_FLAG_RE.match(flag):
                continue
            if not eq:
                value = argv[i + 1] if i + 1 < len(argv) else ""
            folder = _data_folder(value, flag.lower().endswith("file"))
            if folder and all(folder != f for f, _ in out):
                out.append((folder, f"line {inst.start_line}: {inst.keyword} {flag}"))
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd != "env":
                continue
            for key, value in env_pairs(inst):
                if _DATA_ENV_RE.search(key):
                    folder = _data_folder(value, key.endswith("FILE"))
                    if folder and all(folder != f for f, _ in out):
                        out.append((folder, f"line {inst.start_line}: ENV {key}"))
    return out


def _is_made(an: Analysis, path: str) -> bool:
    return any(d == path for d, _ in an.made_dirs) and not any(c == path for c, _, _ in an.copy_dests)


# --- the build context ------------------------------------------------------------------------------


def _ignore_patterns(context: str, dockerfile: str | None) -> list[tuple[bool, str]]:
    """`.dockerignore` (or `<Dockerfile>.dockerignore` beside the Dockerfile, which BuildKit prefers):
    (negated, pattern) in order, comments and blank lines dropped, leading `/` and `./` removed."""
    names = []
    if dockerfile:
        names.append(os.path.join(os.path.dirname(dockerfile) or ".", os.path.basename(dockerfile) + ".dockerignore"))
    names.append(os.path.join(context, ".dockerignore"))
    for name in names:
        try:
            with open(name, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        out = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            neg = line.startswith("!")
            pat = posixpath.normpath(line[1:].strip() if neg else line).lstrip("/")
            if pat.startswith("./"):
                pat = pat[2:]
            out.append((neg, pat))
        return out
    return []


def _match(pattern: str, rel: str) -> bool:
    """Docker's pattern match, simply: `**` crosses folders, `*` and `?` do not."""
    rx = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            rx += ".*"
            i += 2
            if pattern.startswith("/", i):
                rx += "/?"
                i += 1
            continue
        ch = pattern[i]
        rx += "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
        i += 1
    return re.fullmatch(rx, rel) is not None


def ignored(rel: str, patterns: list[tuple[bool, str]]) -> bool:
    """Whether `.dockerignore` keeps `rel` (relative to the context) out of the build: the last
    pattern that matches it or one of its parent folders decides."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    out = False
    for neg, pat in patterns:
        if any(_match(pat, p) for p in prefixes):
            out = not neg
    return out


def _context_data(an: Analysis, context: str, dockerfile: str | None) -> list[tuple[str, int, bool]]:
    """(path in the image, COPY line, is a folder) of the SQLite files and data folders that a
    COPY/ADD from the build context puts directly in the working folder."""
    root = os.path.realpath(context)
    patterns = _ignore_patterns(context, dockerfile)
    found: list[tuple[str, int, bool]] = []

    def consider(host: str, target: str, line: int) -> None:
        # the name first: a context of thousands of files has a handful a name can make data
        name = posixpath.basename(target)
        data_dir, sqlite = name in CONTEXT_DATA_DIRS, name.endswith(SQLITE)
        if not (data_dir or sqlite) or posixpath.dirname(target) != an.workdir:
            return
        rel = os.path.relpath(host, root).replace(os.sep, "/")
        if rel.startswith("..") or ignored(rel, patterns):
            return
        if data_dir and os.path.isdir(host):
            found.append((target, line, True))
        elif sqlite and os.path.isfile(host):
            found.append((target, line, False))

    from .discover import copy_sources

    for sources, dest, line in an.from_context:
        for src in sources:
            if "$" in src or src.startswith(("http://", "https://", "git@")):
                continue
            for hit in copy_sources(root, src):
                real = os.path.realpath(hit)
                if real != root and not real.startswith(root + os.sep):
                    continue
                if os.path.isdir(real):
                    # COPY dir dest copies what is in dir into dest
                    into = dest.rstrip("/") or "/"
                    if posixpath.dirname(into) == an.workdir and not src.rstrip("/").endswith((".", "*")):
                        consider(real, into, line)
                    if into == an.workdir:
                        try:
                            entries = sorted(os.listdir(real))
                        except OSError:
                            continue
                        for e in entries:  # only names that can be data are looked at (contexts are big)
                            if e in CONTEXT_DATA_DIRS or e.endswith(SQLITE):
                                consider(os.path.join(real, e), posixpath.join(into, e), line)
                else:
                    target = dest + os.path.basename(real) if dest.endswith("/") else dest
                    consider(real, target, line)
    return found


# --- /root ------------------------------------------------------------------------------------------


@dataclass
class Relocation:
    commands: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)  # ENV lines to insert before USER
    after: int = 0
    handled: set[tuple[str, int]] = field(default_factory=set)  # (ENV name, line) no longer under /root
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def relocate_root(an: Analysis, df, home: str, owner: str, after: int, script: str | None) -> Relocation:
    """Move what the final stage keeps under /root and still uses (by ENV, or copied there) to
    `home`, with the ENV set again; `after`: the line the block follows so far; `script`: the text
    of the entrypoint script, if read from the build context."""
    out = Relocation()
    tops: dict[str, int] = {}  # .local -> the line that shows it exists for sure (a COPY), or 0
    blocked: dict[str, str] = {}
    for dest, line, _ in an.copy_dests:
        if dest.startswith("/root/"):
            top = dest.split("/")[2]
            tops[top] = line
            out.after = max(out.after, line)
    home_env = None
    envs = []
    for name, path, line in an.root_envs:
        if path == "/root" and name == "HOME":
            home_env = line
            continue
        if not path.startswith("/root/"):
            continue
        top = path.split("/")[2]
        tops.setdefault(top, 0)
        envs.append((name, line, top))
    for top in list(tops):
        if not _SIMPLE.match(top) or top in (".", ".."):
            blocked[top] = "its name is not a plain file name"
    # the old path must not be named anywhere the program or a later step would look for it
    later = [i for i in an.final.instructions if i.end_line > after and i.cmd not in ("env", "copy", "add")]
    later += [i for i in (an.entrypoint, an.cmd) if i is not None and i not in later]
    texts = [(f"line {i.start_line}", i.args) for i in later]
    if script:
        texts.append(("the entrypoint script", script))
    for top in tops:
        for where, text in texts:
            if re.search(r"(?<![\w/])/root/" + re.escape(top) + r"(?![\w.-])", text):
                blocked.setdefault(top, f"{where} names /root/{top}")
    new_env: list[str] = []
    for name, line, top in envs:
        if top in blocked:
            continue
        value = _env_value(df, name, line)
        if an.var_lines.get(name) != line or value is None:
            blocked[top] = f"line {line}: ENV {name} cannot be set again safely"
            continue
        for t in tops:
            value = re.sub(r"(?<![\w/])/root/" + re.escape(t) + r"(?![\w.-])", home + "/" + t, value)
        if re.search(r"(?<![\w/])/root(?![\w.-])", value) or not _ENV_VALUE.match(value):
            blocked[top] = f"line {line}: ENV {name} also names other paths under /root"
            continue
        new_env.append((name, line, top, value))
    # an ENV naming the old path that is not set again (a later ENV hides it, or it is not plain)
    rewritten = {line for _, line, _, _ in new_env}
    for inst in an.final.instructions:
        if inst.cmd == "env" and inst.start_line not in rewritten:
            for top in tops:
                if re.search(r"(?<![\w/])/root/" + re.escape(top) + r"(?![\w.-])", inst.args):
                    blocked.setdefault(top, f"line {inst.start_line}: ENV names /root/{top} and cannot be set again")
    for top, why in blocked.items():
        out.warnings.append(f"/root/{top} stays under /root ({why}): the new user cannot read it; "
                            f"move it under the user's home")
    moved = [t for t in tops if t not in blocked]
    for top in moved:
        src, dst = f"/root/{top}", f"{home}/{top}"
        chown = f"chown {'-R ' if top == '.cache' else ''}{owner} {dst}"
        if tops[top]:
            out.commands += [f"mv {src} {dst}", chown]
            out.reasons.append(f"line {tops[top]}: {src} is under /root, which the new user cannot enter "
                               f"(mode 0700): moved to {dst}" + ("" if top == ".cache" else
                                                                 " (what is in it stays root's, readable)"))
        else:
            out.commands.append(f"if [ -e {src} ]; then mv {src} {dst} && {chown}; fi")
            out.reasons.append(f"{src} is under /root, which the new user cannot enter (mode 0700): "
                               f"moved to {dst} if the build made it")
    for name, line, top, value in new_env:
        if top in moved:
            out.env.append(f"{name}={value}")
            out.handled.add((name, line))
            out.after = max(out.after, line)
            out.reasons.append(f"line {line}: ENV {name} names /root/{top}: set again to {value}")
    if home_env is not None:
        out.env.insert(0, f"HOME={home}")
        out.handled.add(("HOME", home_env))
        out.after = max(out.after, home_env)
        out.reasons.append(f"line {home_env}: ENV HOME=/root, which the new user cannot enter: set to {home}")
    if ".local" in moved and "PYTHONUSERBASE" not in {n for n, _, _ in envs} and (
            "HOME" in an.env and home_env is None and an.env.get("HOME") != home):
        out.env.append(f"PYTHONUSERBASE={home}/.local")
        out.reasons.append(f"HOME is {an.env.get('HOME')}, not {home}: PYTHONUSERBASE tells Python where the "
                           "user site (pip install --user) now is")
    if not out.commands and not out.env:
        out.after = 0
    return out


def _env_value(df, name: str, line: int) -> str | None:
    """The value of `name` as written on the ENV at `line` (unquoted), or None."""
    for inst in df.instructions:
        if inst.start_line == line and inst.cmd == "env":
            for k, v in env_pairs(inst):
                if k == name:
                    return v
    return None
