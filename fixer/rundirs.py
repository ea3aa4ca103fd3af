"""Step 7a, part: the folders a program's own framework writes at run time inside its working folder.

dockerfix hands the working folder to the new user alone (what is in it stays root's). That is not
enough when the build made folders in it that the program, or the tool that starts it, writes again
at every start. The framework's own conventions say which, read from the project the build copies
into the working folder (its package.json, mix.exs, Gemfile, composer.json, Django settings) and from
how the image starts (ENTRYPOINT/CMD and the entrypoint script):

- a Node development server (`react-scripts start`, `webpack serve`, `vite`, `vue-cli-service
  serve`, `ng serve`, `gatsby develop`, `nuxt dev`, ...: the start command or the package.json script
  it runs) writes its caches into `node_modules/.cache` (Vite: `node_modules/.vite`) of the
  `node_modules` the build installed;
- Next.js (`next start`, `next dev`, or the standalone `server.js` beside a copied `.next`) writes
  `.next/cache` and rewrites pages under `.next/server` (incremental regeneration): Next.js's own
  Dockerfile hands `.next` to its user;
- Mix run at start (`mix phx.server`, `mix ecto.setup`, ...) compiles into `_build` and `deps`, which
  the build filled with `mix deps.get`/`mix compile`;
- an Elixir release started from the working folder writes its mutable folder: Distillery's
  `var/` (`bin/NAME foreground`, or `:distillery` in mix.exs), `mix release`'s `tmp/` when
  config/runtime.exs exists;
- Rails (a Gemfile with rails, started with rails/puma/unicorn/thrust) writes `tmp`, `log` and
  `storage` (and `db` with SQLite): Rails' own Dockerfile hands exactly these to its user;
- Laravel (composer.json requiring laravel/framework) writes `storage` and `bootstrap/cache`;
- Django writes STATIC_ROOT when the start runs `collectstatic`, and MEDIA_ROOT (uploads) when it
  serves the project, both read from its settings;
- whatever the framework, a folder directly inside the working folder named for what programs write
  at run time (`logs`, `data`, `tmp`, `cache`, `storage`, `uploads`, Flask's `instance`, ...) that
  the build made or put files in (`RUN mkdir -p logs && touch logs/start.out`, `COPY --from=build
  /out/data ./data`): what the build left there is a log or data, not code.

The entrypoint script is the one the plan read (a program copied from the build context) or, for
`ENTRYPOINT ["sh", "entrypoint.sh"]`, the script the shell runs.

Each folder is handed over with what is in it (generated files and data, not the project's code),
created first (`mkdir -p`: harmless when the build made it, and safe when a later step removed it); every path goes through `snippets.writable_path`,
and each is a reason naming the evidence (file:line). Bounded: only files a COPY of the final stage
brings into the working folder are read, each at most 256 KiB.
"""

from __future__ import annotations

import json
import os
import posixpath
import re

from . import lazyre
from . import snippets
from .record import dataclass
from .stages import Analysis

_MAX = 256 << 10

# Node development servers: they write caches under node_modules (webpack's babel-loader and
# eslint caches, Vite's pre-bundled dependencies)
_DEV_SERVER_RE = lazyre.compile(
    r"(?:^|[\s;&|/\"'])(?:react-scripts\s+start|react-app-rewired\s+start|craco\s+start|webpack-dev-server|"
    r"webpack\s+(?:serve|s)\b|vue-cli-service\s+serve|ng\s+serve|gatsby\s+develop|nuxt\s+dev|"
    r"vite(?:\s+(?:dev|serve)\b|\s*$|\s+--)|parcel\s+(?!build))")
_VITE_RE = lazyre.compile(r"(?:^|[\s;&|/\"'])vite(?:\s+(?:dev|serve)\b|\s*$|\s+--)")
_NEXT_RE = lazyre.compile(r"(?:^|[\s;&|/\"'])next\s+(?:start|dev)\b")
_NEXT_BUILD_RE = lazyre.compile(r"(?:^|[\s;&|/\"'])next\s+build\b")
# `npm start`, `npm run dev`, `yarn dev`, `pnpm run start`: the package.json script it runs
_PKG_RUN_RE = lazyre.compile(r"(?:^|[\s;&|/\"'\[,])(npm|yarn|pnpm)[\"']?(?:\s*,\s*|\s+)[\"']?(?:run[\"']?(?:\s*,\s*|\s+)[\"']?)?"
                             r"([A-Za-z][\w:.-]*)")
_INSTALL_RE = lazyre.compile(r"\b(?:npm\s+(?:ci|install|i)\b|yarn(?:\s+install)?(?:\s|$|&|;)|pnpm\s+(?:install|i)\b)")
_MIX_RE = lazyre.compile(r"(?:^|[\s;&|/\"'\[,])mix[\"']?(?:\s*,\s*|\s+)[\"']?(?!release\b|local\.)[a-z]")
_RELEASE_RE = lazyre.compile(r"(?:^|[\s\"'\[,=])((?:\./|/)?[\w./-]*?/?bin/([\w-]+))[\"']?(?:\s*,\s*|\s+)[\"']?"
                             r"(start|foreground|daemon|console|start_iex|eval|rpc)\b")
_RAILS_RUN_RE = lazyre.compile(r"(?:^|[\s;&|/\"'\[,])(?:rails|puma|unicorn|thrust|passenger|rackup|falcon)\b(?![/.-])")
_RAILS_GEM_RE = lazyre.compile(r"""^[ \t]*gem\s+["'](?:rails|railties)["']""", re.M)
_LARAVEL_RUN_RE = lazyre.compile(r"(?:^|[\s;&|/\"'\[,])(?:php-fpm[\d.]*|artisan|octane|frankenphp|php\s+-S|"
                                 r"apache2-foreground|rr\s+serve|supervisord)\b")
_DJANGO_RUN_RE = lazyre.compile(r"manage\.py|\b(?:gunicorn|uwsgi|daphne|uvicorn|hypercorn)\b|django-admin")
_COLLECT_RE = lazyre.compile(r"\bcollectstatic\b")
_SERVER_JS_RE = lazyre.compile(r"(?:^|[\s\"'\[,])(?:\./)?server\.js\b")
_STATIC_NAMES = frozenset(("static", "staticfiles", "static_root", "static-root", "collected_static", "collectstatic",
                           "assets"))
_DJANGO_SETTING_RE = lazyre.compile(r"^(STATIC_ROOT|MEDIA_ROOT)\s*=\s*(.+?)\s*(?:#.*)?$", re.M)


@dataclass
class Found:
    path: str  # absolute, normalised, through snippets.writable_path
    after: int  # the last line that makes or fills it (0: made by the program itself)
    why: str


class Runtime:
    """How the image starts: the ENTRYPOINT/CMD and the entrypoint script's text, and where a
    command is said (`line 12`, `docker/start.sh:4`)."""

    def __init__(self, an: Analysis, script: str | None, script_name: str | None):
        self.insts = [i for i in (an.entrypoint, an.cmd) if i is not None]
        self.script, self.script_name = script or "", script_name or "the entrypoint script"
        self.text = "\n".join(i.original for i in self.insts) + "\n" + self.script

    def where(self, rx) -> str:
        for inst in self.insts:
            if rx.search(inst.original):
                return f"line {inst.start_line}"
        m = rx.search(self.script)
        if m:  # (a match may begin with the separator before the command: the line of its first word)
            at = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" \t\n;&|"))
            return f"{self.script_name}:{self.script.count(chr(10), 0, at) + 1}"
        return f"line {self.insts[-1].start_line}" if self.insts else "the start"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _read(path: str, root: str) -> str | None:
    real = os.path.realpath(path)
    if not real.startswith(root + os.sep) or not os.path.isfile(real):
        return None
    try:
        if os.path.getsize(real) > _MAX:
            return None
        with open(real, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def project_file(an: Analysis, context: str, rel: str) -> tuple[str, str, int, str] | None:
    """(text, path relative to the context, COPY line, path on disk) of the file a COPY/ADD from the build context
    puts at `rel` under the working folder (`COPY package.json ./`, `COPY . .`, `COPY ./ui .`). The
    context is the Dockerfile's folder unless told; many builds run `docker build -f sub/Dockerfile .`,
    so when it holds no such file the repository root is tried as the context."""
    from .evidence import find_repo_root

    found = _project_file(an, context, rel)
    top = find_repo_root(context) if found is None else None
    if top and os.path.realpath(top) != os.path.realpath(context):
        found = _project_file(an, top, rel)
    if found is None:  # copied from a build stage (`COPY --from=build /app/package.json ./`, or the whole
        # project, `COPY --from=build /rails /rails`): the context's (or the repository root's)
        line = _copied_from_stage(an, rel)
        for folder in (context, top) if line else ():
            text = _read(os.path.join(folder, rel), os.path.realpath(folder)) if folder else None
            if text is not None:
                return text, rel, line, os.path.join(folder, rel)
    return found


def _copied_from_stage(an: Analysis, rel: str) -> int:
    """The line of a `COPY --from=STAGE .../rel ./` that puts a file named like `rel` at `rel` under
    the working folder, or of one that copies a whole folder onto the working folder (`COPY
    --from=build /rails /rails`: the project built in that stage) (0: none)."""
    want = posixpath.join(an.workdir, rel)
    for inst in an.final.instructions:
        if inst.cmd not in ("copy", "add") or inst.flag("from") is None or not inst.value or len(inst.value) < 2:
            continue
        dest = inst.value[-1]
        dest = posixpath.normpath(dest if dest.startswith("/") else posixpath.join(an.workdir, dest))
        for src in inst.value[:-1]:
            if posixpath.basename(src.rstrip("/")) == posixpath.basename(rel) and dest in (want, posixpath.dirname(want)):
                return inst.start_line
            # the whole project: a folder (no file extension) copied onto the working folder
            if dest == an.workdir.rstrip("/") and "$" not in src and "." not in posixpath.basename(src.rstrip("/")):
                return inst.start_line
    return 0


def _project_file(an: Analysis, context: str, rel: str) -> tuple[str, str, int, str] | None:
    from .discover import copy_sources

    root = os.path.realpath(context)
    wd = an.workdir.rstrip("/")
    want = posixpath.join(wd, rel)
    found = None
    for sources, dest, line in an.from_context:
        into = dest.rstrip("/") or "/"
        for src in sources:
            if "$" in src or src.startswith(("http://", "https://", "git@")):
                continue
            for hit in copy_sources(root, src)[:20]:
                if os.path.isdir(hit):
                    if into == wd:  # `COPY . .`, `COPY ./ui .`: what is in the folder
                        cand = os.path.join(hit, rel)
                    elif _inside(want, into):  # `COPY config /app/config`
                        cand = os.path.join(hit, posixpath.relpath(want, into))
                    else:
                        continue
                elif into == want or ((dest.endswith("/") or into == wd)  # `COPY pom.xml .`: into the folder
                                      and posixpath.join(into, os.path.basename(hit)) == want):
                    cand = hit
                else:
                    continue
                text = _read(cand, root)
                if text is not None:
                    found = (text, os.path.relpath(cand, context).replace(os.sep, "/"), line, cand)
    return found


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _runs_in(an: Analysis, folder: str) -> list[tuple[int, str]]:
    """(line, text) of the final stage's RUNs that run in `folder` (their working folder, or a
    `cd` to it)."""
    dirs = dict((line, d) for d, line in an.run_dirs)
    out = []
    for inst in an.final.instructions:
        if inst.cmd != "run":
            continue
        text = inst.args
        if dirs.get(inst.start_line) == folder or re.search(r"\bcd\s+" + re.escape(folder) + r"/?(?:\s|&|;|$)", text):
            out.append((inst.start_line, text))
    return out


def _made(an: Analysis, path: str, ancestors: bool = False) -> int:
    """The last line of the final stage that copies into `path` (or, with `ancestors`, into a folder
    holding it) or makes it or writes in it (0: none)."""
    lines = [line for dest, line, _ in an.copy_dests
             if _inside(dest.rstrip("/") or "/", path) or ancestors and _inside(path, dest.rstrip("/") or "/")]
    lines += [line for d, line in an.made_dirs if _inside(d, path)]
    lines += [line for w, line in an.fills if _inside(w, path)]
    return max(lines, default=0)


def found(an: Analysis, context: str | None, script: str | None, user: str,
          script_name: str | None = None) -> list[Found]:
    """The folders under the working folder that the program's framework writes at run time."""
    wd = an.workdir
    if an.workdir_line is None or wd == "/" or snippets.writable_path(wd)[1] is not None:
        return []
    if script is None and context is not None:
        script, script_name = _shell_script(an, context)
    rt = Runtime(an, script, script_name)
    out: list[Found] = []

    def add(rel: str, after: int, why: str) -> None:
        path, bad = snippets.writable_path(posixpath.join(wd, rel))
        if bad is None and path not in [f.path for f in out]:
            out.append(Found(path, after, f"{why}: handed to {user} with what is in it"))

    _named_runtime(an, context, add)
    pkg = project_file(an, context, "package.json") if context else None
    _node(an, pkg, rt, add)
    if context:
        _build_tools(an, context, rt, add)
        _mix(an, context, rt, add)
        _rails(an, context, rt, add)
        _laravel(an, context, rt, add)
        _django(an, context, rt, add)
    return out


_SHELLS = ("sh", "bash", "dash", "ash", "zsh")


def _shell_script(an: Analysis, context: str) -> tuple[str | None, str | None]:
    """The text and name of the script the image starts, when the plan could not read it: the one a
    shell runs (`ENTRYPOINT ["sh", "entrypoint.sh"]`), or a program inside the working folder
    (`ENTRYPOINT bin/start`) that the project copied there brings (from the build context, or
    through a build stage that copied the whole project)."""
    from .evidence import context_script

    for inst in (an.entrypoint, an.cmd):
        if inst is None:
            continue
        argv = [w for w in (inst.value if inst.json else inst.args.split()) if not w.startswith("-")]
        if len(argv) >= 2 and posixpath.basename(argv[0]) in _SHELLS:
            prog = argv[1]
        elif argv and posixpath.basename(argv[0]) not in _SHELLS:
            prog = argv[0]
        else:
            continue
        if "$" in prog:
            continue
        path = posixpath.normpath(posixpath.join(an.workdir, prog))
        got = project_file(an, context, posixpath.relpath(path, an.workdir)) if _inside(path, an.workdir) else None
        if got is not None:
            return got[0], got[1]
        got = context_script(an, prog, context)
        if got is not None:
            return got[2], os.path.relpath(got[0], context).replace(os.sep, "/")
    return None, None


# what a folder directly inside the working folder is named when the program writes it at run time
RUNTIME_NAMES = frozenset(("log", "logs", "tmp", "temp", "data", "cache", "pids", "storage", "uploads", "upload",
                           "media", "sessions", "state", "instance"))


def _named_runtime(an: Analysis, context: str | None, add) -> None:
    """Folders directly inside the working folder, named for what a program writes at run time
    (logs, data, tmp, ...), that the build made or put files in (`RUN mkdir -p logs && touch
    logs/start.out`, `COPY --from=build /src/data ./data`, a download into data/): the program
    writes them at run time, and what the build left in them is data or a log, not code."""
    wd = an.workdir.rstrip("/")
    lines: dict[str, int] = {}
    # (a RUN's writes include what it removes or moves: only a write inside the folder counts, and
    # the folder is created first in any case, `mkdir -p`, so a folder a later step removed is no error)
    paths = [(d, line, False) for d, line in an.made_dirs] + [(w, line, True) for w, line in an.fills]
    paths += [(dest.rstrip("/"), line, False) for dest, line, _ in an.copy_dests]
    for p, line, inside in paths:
        if not p.startswith(wd + "/"):
            continue
        top, _, rest = p[len(wd) + 1:].partition("/")
        if top in RUNTIME_NAMES and (rest or not inside):
            lines[top] = max(lines.get(top, 0), line)
    if not lines:
        return
    # a later copy of a folder into the working folder (or above it) may bring more into them: the
    # block follows it (a copy from another stage, or of a folder of the build context)
    context_lines = {line for _s, _d, line in an.from_context}
    folders = _folder_copy_lines(an, context) if context else set()
    whole = max((line for dest, line, _ in an.copy_dests if _inside(wd, dest.rstrip("/") or "/")
                 and (line not in context_lines or line in folders)), default=0)
    for top, line in sorted(lines.items(), key=lambda kv: kv[1]):
        add(top, max(line, whole), f"line {line}: the build makes or fills {wd}/{top} inside the working folder, "
                                   f"a folder named for what a program writes at run time ({top})")


def _folder_copy_lines(an: Analysis, context: str) -> set[int]:
    """The lines of the COPY/ADDs from the build context that copy a folder (`COPY . .`)."""
    from .discover import copy_sources

    root = os.path.realpath(context)
    out = set()
    for sources, _dest, line in an.from_context:
        for src in sources:
            if src.rstrip("/") in ("", ".") or src.endswith("/") or any(
                    os.path.isdir(h) for h in copy_sources(root, src)[:50]):
                out.add(line)
                break
    return out


def _node(an: Analysis, pkg, rt: Runtime, add) -> None:
    wd = an.workdir
    scripts: dict = {}
    if pkg is not None:
        try:
            data = json.loads(pkg[0])
            scripts = data.get("scripts") if isinstance(data, dict) else None
            scripts = scripts if isinstance(scripts, dict) else {}
        except ValueError:
            scripts = {}
    # what the start runs: its own words, and the package.json scripts it names
    started = [(rt.text, None)]
    for m in _PKG_RUN_RE.finditer(rt.text):
        name = m.group(2)
        name = {"s": "start", "t": "test"}.get(name, name)
        body = scripts.get(name)
        if isinstance(body, str) and pkg is not None:
            started.append((body, f"{pkg[1]}:{_line_of(pkg[0], json.dumps(name))} ({name}: {body.strip()[:60]})"))
    installs = [line for line, text in _runs_in(an, wd) if _INSTALL_RE.search(text)]
    for text, where in started:
        where = where or rt.where(_DEV_SERVER_RE)
        if _DEV_SERVER_RE.search(text) and installs:
            cache = "node_modules/.vite" if _VITE_RE.search(text) else "node_modules/.cache"
            add(cache, max(installs), f"{where} starts a development server, which writes its caches into {cache} "
                                      f"of the node_modules the build installed (line {max(installs)})")
            break
    for text, where in started:
        where = where or rt.where(_NEXT_RE)
        if _NEXT_RE.search(text):
            made = _made(an, posixpath.join(wd, ".next"))
            builds = [line for line, t in _runs_in(an, wd) if _NEXT_BUILD_RE.search(t) or
                      any(_NEXT_BUILD_RE.search(str(scripts.get(m.group(2), ""))) for m in _PKG_RUN_RE.finditer(t))]
            after = max([made] + builds)
            if after:
                add(".next", after, f"{where} runs Next.js, which writes .next/cache and regenerates pages under "
                                    f".next/server at run time (Next.js's own Dockerfile hands .next to its user)")
            break
    else:
        # the standalone server: `node server.js` beside a .next the build copied in
        made = _made(an, posixpath.join(wd, ".next"))
        if made and _SERVER_JS_RE.search(rt.text):
            add(".next", made, f"{rt.where(_SERVER_JS_RE)} starts Next.js's standalone server.js beside the .next copied on line "
                               f"{made}, which it writes at run time (.next/cache; Next.js's own Dockerfile hands "
                               ".next to its user)")


# build tools a start may run, which compile into the project's own folders: (name, the start's
# command, the build's command, project files, the folders it writes)
_TOOLS = (
    ("mix", _MIX_RE, r"(?:^|[\s;&|])mix\s", ("mix.exs",), ("_build", "deps")),
    ("Maven", lazyre.compile(r"(?:^|[\s;&|/\"'\[,])mvnw?[\"']?(?:\s*,\s*|\s+)[\"']?[\w-]"),
     r"(?:^|[\s;&|/])mvnw?\s", ("pom.xml",), ("target",)),
)


def _build_tools(an: Analysis, context: str, rt: Runtime, add) -> None:
    """A build tool run at start (`mix phx.server`, `mvn spring-boot:run`) compiles into the folders of
    its project that the build's own run of it filled. (Maven's repository filled in root's home is
    state-in-root-home's: the file is left; Gradle and cargo also write their caches at start,
    GRADLE_USER_HOME and CARGO_HOME, which a file keeping them outside /root still leaves root's: not
    handed here.)"""
    for name, start_rx, build_rx, files, folders in _TOOLS:
        if not start_rx.search(rt.text):
            continue
        project = next((f for f in (project_file(an, context, n) for n in files) if f is not None), None)
        if project is None:
            continue
        runs = [line for line, text in _runs_in(an, an.workdir) if re.search(build_rx, text)]
        if not runs:
            continue
        for folder in folders:
            add(folder, max(runs), f"{rt.where(start_rx)} runs {name} at start, which compiles into {folder} of the "
                                   f"project {project[1]} (filled by the build's {name} on line {max(runs)})")


def _mix(an: Analysis, context: str, rt: Runtime, add) -> None:
    wd = an.workdir
    mix = project_file(an, context, "mix.exs")
    if mix is None:  # a release built in an earlier stage from the context's Mix project
        text = _read(os.path.join(context, "mix.exs"), os.path.realpath(context))
        mix_top = (text, "mix.exs", 0, os.path.join(context, "mix.exs")) if text is not None else None
    else:
        mix_top = mix
    for m in _RELEASE_RE.finditer(rt.text):
        binpath, name, command = m.group(1), m.group(2), m.group(3)
        if not binpath.startswith("/"):
            binpath = posixpath.normpath(posixpath.join(wd, binpath))
        root = posixpath.dirname(posixpath.dirname(binpath))
        if not _inside(root, wd):
            continue
        made = _made(an, root, ancestors=True)
        if not made:
            continue
        rel = posixpath.relpath(root, wd)
        distillery = command == "foreground" or (mix_top is not None and ":distillery" in mix_top[0])
        if distillery:
            add(posixpath.join(rel, "var") if rel != "." else "var", made,
                f"{rt.where(_RELEASE_RE)} starts the Distillery release {name} ({command}), which writes its mutable folder "
                f"var/ under the release copied on line {made}")
        elif mix_top is not None:
            exs = _read(os.path.join(os.path.dirname(mix_top[3]), "config", "runtime.exs"),
                        os.path.realpath(context))
            if exs is not None:
                add(posixpath.join(rel, "tmp") if rel != "." else "tmp", made,
                    f"{rt.where(_RELEASE_RE)} starts the release {name}, which writes its runtime configuration into tmp/ "
                    f"(RELEASE_TMP) because the project has config/runtime.exs")
        break


def _rails(an: Analysis, context: str, rt: Runtime, add) -> None:
    gemfile = project_file(an, context, "Gemfile")
    if gemfile is None or not _RAILS_GEM_RE.search(gemfile[0]) or not _RAILS_RUN_RE.search(rt.text):
        return
    where = f"{gemfile[1]}:{gemfile[0].count(chr(10), 0, _RAILS_GEM_RE.search(gemfile[0]).start()) + 1}"
    after = _made(an, an.workdir)
    folders = ["tmp", "log", "storage"]
    db = project_file(an, context, "config/database.yml")
    if db is not None and re.search(r"adapter:\s*sqlite3", db[0]) and re.search(r"database:\s*db/", db[0]):
        folders.append("db")
    for folder in folders:
        add(folder, after, f"{rt.where(_RAILS_RUN_RE)} runs the Rails application of {where}, which writes {folder}/ at run time "
                           "(Rails' own Dockerfile hands db, log, storage and tmp to its user)")


def _laravel(an: Analysis, context: str, rt: Runtime, add) -> None:
    composer = project_file(an, context, "composer.json")
    if composer is None or '"laravel/framework"' not in composer[0] or not _LARAVEL_RUN_RE.search(rt.text):
        return
    where = f"{composer[1]}:{_line_of(composer[0], 'laravel/framework')}"
    after = _made(an, an.workdir)
    for folder in ("storage", "bootstrap/cache"):
        add(folder, after, f"{rt.where(_LARAVEL_RUN_RE)} serves the Laravel application of {where}, which writes {folder} at run time "
                           "(compiled views, sessions, logs, its configuration cache)")


def _django(an: Analysis, context: str, rt: Runtime, add) -> None:
    manage = project_file(an, context, "manage.py")
    if manage is None or not _DJANGO_RUN_RE.search(rt.text):
        return
    from .evidence import find_repo_root

    base = context  # where manage.py was found: the build context, else the repository root
    if not os.path.realpath(manage[3]).startswith(os.path.realpath(context) + os.sep):
        base = find_repo_root(context) or context
    root = os.path.realpath(base)
    top = os.path.dirname(manage[3])
    settings: list[tuple[str, str]] = []
    try:
        for name in sorted(os.listdir(top))[:200]:
            sub = os.path.join(top, name)
            if not os.path.isdir(sub) or name.startswith("."):
                continue
            cands = [os.path.join(sub, "settings.py")]
            if os.path.isdir(os.path.join(sub, "settings")):
                cands += [os.path.join(sub, "settings", f) for f in sorted(os.listdir(os.path.join(sub, "settings")))[:20]
                          if f.endswith(".py")]
            for c in cands:
                text = _read(c, root)
                if text is not None:
                    settings.append((os.path.relpath(c, base).replace(os.sep, "/"), text))
    except OSError:
        return
    static = False
    for rel, text in settings[:20]:
        for m in _DJANGO_SETTING_RE.finditer(text):
            key, value = m.group(1), m.group(2)
            if key == "STATIC_ROOT" and "collectstatic" not in rt.text:
                continue
            folder = _django_folder(value, an.workdir)
            if folder is None:
                continue
            what = "collects the static files into" if key == "STATIC_ROOT" else "stores uploads in"
            static = static or key == "STATIC_ROOT"
            add(posixpath.relpath(folder, an.workdir) if _inside(folder, an.workdir) else folder,
                _made(an, folder), f"{rel}:{_line_of(text, m.group(0))}: {key}: Django {what} {folder} at run time "
                                   f"({rt.where(_COLLECT_RE if key == 'STATIC_ROOT' else _DJANGO_RUN_RE)} starts it)")
    if not static and _COLLECT_RE.search(rt.text):
        # STATIC_ROOT not readable (from the environment): the folder the build made for it, empty
        wd = an.workdir.rstrip("/")
        for d, line in an.made_dirs:
            if posixpath.dirname(d) == wd and posixpath.basename(d) in _STATIC_NAMES and not any(
                    _inside(dest.rstrip("/"), d) for dest, _, _ in an.copy_dests):
                add(posixpath.basename(d), line, f"line {line} makes {d} and {rt.where(_COLLECT_RE)} collects Django's "
                                                 "static files at start (STATIC_ROOT)")


def _django_folder(value: str, wd: str) -> str | None:
    """The absolute folder a STATIC_ROOT/MEDIA_ROOT value names, with BASE_DIR the project root."""
    m = re.fullmatch(r"""["'](/[\w./-]+)["']""", value)
    if m:
        return posixpath.normpath(m.group(1))
    m = re.fullmatch(r"""(?:BASE_DIR\s*/\s*|os\.path\.join\(\s*BASE_DIR\s*,\s*)["']([\w.-]+(?:/[\w.-]+)*)["']\s*\)?""", value)
    if m and ".." not in m.group(1):
        return posixpath.normpath(posixpath.join(wd, m.group(1)))
    return None
