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

- a build tool the image runs at start (ENTRYPOINT/CMD or its script: `./mvnw cargo:run`, `mvn
  spring-boot:run`, `gradle bootRun`, `sbt run`, `lein run`) that a step of the build already ran as
  root: the build filled the tool's cache in root's home (Maven's and Leiningen's ~/.m2, Gradle's
  ~/.gradle, sbt's ~/.sbt and ~/.ivy2) with the plugins and dependencies the start needs, and the
  program it builds lands in its output folder; a new user's tool looks in its own home and
  downloads everything again at every start (or fails offline, `-o`). Not when the file puts the
  cache elsewhere (`-Dmaven.repo.local=/opt/m2`, `GRADLE_USER_HOME=/opt/gradle`, `-Dsbt.global.base`).

- a virtual environment outside /root built on an interpreter the build installed into root's home
  (`uv python install 3.10 && uv venv -p 3.10 /opt/app/.venv`, `pyenv install` then `python -m
  venv`): the environment's `bin/python` is a link to the interpreter under /root
  (~/.local/share/uv/python, ~/.pyenv/versions), which a new user cannot reach, and the image uses
  the environment (its path on PATH, in ENTRYPOINT/CMD or the entrypoint script, `uv run`). Not when
  the file installs interpreters outside /root (`UV_PYTHON_INSTALL_DIR`, `PYENV_ROOT`).

A run line of the repository that mounts into root's home (`-v ~/.ssh:/root/.ssh`) is
deployment-needs-root's.

What does not fire: `git config --global` for other settings (build-time credentials, a name for
commits the build makes), `--system` settings, a HOME the file sets elsewhere before the step, steps
that run as another USER, a start-up line naming a path nothing in the build puts under `~`, a build
tool the build does not run (its cache is filled at start, in the new user's home).
"""

from __future__ import annotations

import re

from ... import lazyre

NAME = "state-in-root-home"
SUMMARY = "The build leaves what the image's users rely on in root's home (git's safe.directory, a tool sourced from ~ by /etc/profile.d, the cache of a build tool the image runs at start, the interpreter of a virtual environment): a new user's HOME is elsewhere."
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


# build tools an image may run at start: (name, how it is called, the cache folder under ~)
_TOOLS = (
    ("Maven", r"mvnw?", ".m2"),
    ("Gradle", r"gradlew?", ".gradle"),
    ("sbt", r"sbt", ".sbt"),
    ("Leiningen", r"lein", ".m2"),
)
# the file puts the tool's cache outside root's home
_ELSEWHERE_RE = lazyre.compile(r"(?:maven\.repo\.local|GRADLE_USER_HOME|sbt\.global\.base|sbt\.ivy\.home|"
                               r"LEIN_HOME|MAVEN_USER_HOME)[\s=\"']+(?!/root\b)(?:/|\$)")


def _called(tool: str) -> re.Pattern:
    return re.compile(r"(?:^|[\s;&|/\"'\[,(])" + tool + r"(?=[\"']?(?:\s|,|$|\]))", re.M)


def _tool_at_start(ctx, runs) -> tuple[str, str, int, str] | None:
    """(tool, where the start runs it, the build's line that ran it as root, cache) when the image runs
    a build tool at start that the build already ran as root with root's home."""
    from ...evidence import program

    an = ctx.an
    starts = [(f"line {i.start_line}", i.original) for i in (an.entrypoint, an.cmd) if i is not None]
    if not starts:
        return None
    prog = an.entrypoint or an.cmd
    found = ctx.script(program(prog)[0])
    if found is not None:
        starts.append((found[0], found[2]))
    whole = "\n".join(i.original for st in an.chain for i in st.instructions)
    for name, tool, cache in _TOOLS:
        rx = _called(tool)
        where = next((w for w, text in starts if rx.search(text)), None)
        if where is None:
            continue
        built = next((line for line, text in runs if rx.search(text)), None)
        if built is None or _ELSEWHERE_RE.search(whole) or any(_ELSEWHERE_RE.search(t) for _, t in starts):
            continue
        return name, where, built, cache
    return None


_PY_INSTALL_RE = lazyre.compile(r"(?:^|[\s/])(?:uv\s+python\s+install|pyenv\s+install)\b")
_VENV_RE = lazyre.compile(r"(?:^|[\s/])(?:uv\s+(?:venv|sync)|virtualenv|python[\d.]*\s+-m\s+venv)\b(.*)")
_PY_ELSEWHERE_RE = lazyre.compile(r"\b(?:UV_PYTHON_INSTALL_DIR|PYENV_ROOT)[\s=\"']+(?!/root\b)(?:/|\$)|"
                                  r"--python-preference[\s=]+(?:only-)?system")


# options of `uv venv`, `virtualenv` and `python -m venv` that take a value
_VALUED = frozenset(("-p", "--python", "--prompt", "--index-url", "--extra-index-url", "--python-preference",
                     "--link-mode", "--index-strategy", "--keyring-provider", "--exclude-newer", "-c", "--cache-dir",
                     "--relocatable-prompt", "--activators", "--extra", "--group", "--package"))


def _venv_path(command: str, rest: str, env: dict) -> str:
    """The folder a `uv venv`, `virtualenv`, `python -m venv` or `uv sync` command makes its
    environment in (`uv sync`: the project's .venv, or VIRTUAL_ENV with --active)."""
    words = rest.split()
    if re.search(r"\buv\s+sync\b", command):
        return (env.get("VIRTUAL_ENV") or ".venv") if "--active" in words else ".venv"
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w in _VALUED:
            skip = True
        elif not w.startswith("-"):
            return w
    return ".venv"


def _venv_on_root_python(ctx, runs) -> tuple[int, int, str] | None:
    """(the line that installs the interpreter into root's home, the line that builds a virtual
    environment on it, the environment) when the image uses that environment."""
    an = ctx.an
    whole = "\n".join(i.original for st in an.chain for i in st.instructions)
    if _PY_ELSEWHERE_RE.search(whole):
        return None
    installed = None
    for line, text in runs:
        for seg in _segments(text):
            if installed is None and _PY_INSTALL_RE.search(seg):
                installed = line
                continue
            m = _VENV_RE.search(seg) if installed is not None else None
            if m is None:
                continue
            venv = _venv_path(m.group(0), m.group(1), an.env)
            if venv.startswith(("/root", "~", "$HOME")):
                continue
            used = [i.original for i in (an.entrypoint, an.cmd) if i is not None]
            used += [i.original for st in an.chain for i in st.instructions if i.cmd == "env"]
            name = venv.rstrip("/") or venv
            if any(name in u or re.search(r"\buv\s+run\b|\.venv/bin", u) for u in used):
                return installed, line, name
    return None


def check(ctx) -> str | None:
    an = ctx.an
    runs = list(_root_runs(an))
    found = _safe_directory(runs)
    if found:
        line, _seg = found
        return (f"line {line}: `git config --global ... safe.directory` writes root's ~/.gitconfig (/root/.gitconfig), "
                f"which lets git work on repositories mounted into the container; a new user's git reads its own home "
                f"and would refuse them; set it with `git config --system` (/etc/gitconfig) to make the file fixable")
    tool = _tool_at_start(ctx, runs)
    if tool:
        name, where, built, cache = tool
        return (f"{where} runs {name} at start, which line {built} already ran as root: the build filled {name}'s cache "
                f"~/{cache} in root's home (/root/{cache}) with what the start needs; a new user's {name} looks in its own "
                f"home and downloads it all again at every start (or fails offline); build the program in the image, or "
                f"keep the cache outside /root, to make the file fixable")
    venv = _venv_on_root_python(ctx, runs)
    if venv:
        installed, made, name = venv
        return (f"line {installed} installs a Python interpreter into root's home (~/.local/share/uv/python, "
                f"~/.pyenv) and line {made} builds the virtual environment {name} on it, which the image uses: its "
                f"bin/python links into /root (mode 0700), which a new user cannot reach; install the interpreter "
                f"outside /root (UV_PYTHON_INSTALL_DIR, PYENV_ROOT) to make the file fixable")
    got = _startup_home(runs)
    if got:
        line, startup, name = got
        return (f"line {line}: {startup} makes every shell use ~/{name}, which the build filled in root's home "
                f"(/root/{name}): a new user's ~ is its own home, where the tool is not; install it outside /root "
                f"(or into the new user's home) to make the file fixable")
    return None
