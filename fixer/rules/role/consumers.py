"""Which of a repository's Dockerfiles build FROM the image another of its Dockerfiles builds.

A repository's own base or builder image is named where it is built:
- compose files (`docker-compose*.yml`, `compose*.yml`, `*.compose.yml`/`.yaml`): a service with
  `build:` (context + `dockerfile:`, or the short form `build: ./dir`, meaning dir/Dockerfile) and
  `image:` (a small line-based read: no YAML library at run time);
- bake files (`docker-bake.hcl`, `docker-bake.json`): a target's `dockerfile`, `context` and `tags`;
- Makefiles and shell scripts: `docker build ... -t NAME ... [-f PATH] DIR` (paths taken relative
  to the file's folder, then to the repository root).
The repository's Dockerfiles (the CLI's file-name patterns) are then read for `FROM NAME[:tag]`,
compared by repository path without registry or tag (`images.parse_ref`); a `FROM` of a stage of
the same file does not count. Names still holding an unresolved variable are not compared.

The work is bounded (MAX_DIRS folders walked, MAX_FILES files read, MAX_BYTES each; .git,
node_modules, vendor and the CLI's skipped folders are not entered) and done once per repository
root for the whole process: a bot runs over thousands of files of the same repositories.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex

from ... import lazyre
from ...record import dataclass, field

MAX_DIRS = 2000
MAX_FILES = 400
MAX_BYTES = 256 << 10

COMPOSE_PATTERNS = ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml",
                    "*.compose.yml", "*.compose.yaml")
BAKE_FILES = ("docker-bake.hcl", "docker-bake.json")
SCRIPT_PATTERNS = ("Makefile", "makefile", "GNUmakefile", "*.mk", "*.sh", "*.bash")
FROM_RE = lazyre.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE | re.MULTILINE)
KEY_RE = lazyre.compile(r"^(\s*)([\w.-]+)\s*:\s*(.*?)\s*$")


@dataclass
class Repo:
    built: dict = field(default_factory=dict)  # real path of a Dockerfile -> [(image name, where it is named)]
    froms: list = field(default_factory=list)  # (image path, relative Dockerfile, line, real path, ref)


_REPOS: dict[str, Repo] = {}


def image_path(name: str) -> str | None:
    """The repository path of an image name (no registry, tag or digest), None when a variable is
    left: `${REGISTRY:-ghcr.io}/org/base:${TAG}` -> org/base."""
    from ...images import parse_ref

    name = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", name.strip().strip("'\""))
    name = re.sub(r"^\$[{(]?\w+[})]?/", "", name)  # a registry from a variable (`${REGISTRY}`, `$(REGISTRY)`)
    name = re.sub(r":\$[{(]?\w+[})]?$", "", name)  # a tag from a variable
    if not name or re.search(r"[${}()]", name):
        return None
    return parse_ref(name).path or None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(MAX_BYTES)
    except OSError:
        return None


def _scalar(raw: str) -> str:
    raw = re.sub(r"\s+#.*$", "", raw).strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    return raw


def compose_builds(text: str) -> list[tuple[str, str, str]]:
    """(context, dockerfile, image) of each service of a compose file that builds and names its image."""
    out = []
    services = False
    svc_indent = None
    svc: dict | None = None
    in_build = None  # while inside a service's `build:` block

    def flush():
        if svc and svc.get("image") and ("context" in svc or "dockerfile" in svc):
            out.append((svc.get("context") or ".", svc.get("dockerfile") or "Dockerfile", svc["image"]))

    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = KEY_RE.match(line)
        if not line[0].isspace():
            flush()
            svc, svc_indent, in_build = None, None, None
            services = bool(m) and m.group(2) == "services"
            continue
        if not services or not m:
            continue
        indent, key, value = len(m.group(1)), m.group(2), _scalar(m.group(3))
        if svc_indent is None:
            svc_indent = indent
        if indent <= svc_indent:
            flush()
            svc, in_build = ({}, None) if indent == svc_indent else (None, None)
            continue
        if svc is None:
            continue
        if in_build is not None and indent > in_build[0]:
            in_build[1] = in_build[1] or indent
            if key in ("context", "dockerfile") and indent == in_build[1]:
                svc[key] = value
            continue
        in_build = None
        if key == "image":
            svc["image"] = value
        elif key == "build":
            if value:
                svc["context"] = value
            else:
                in_build = [indent, None]  # the indent of `build:`, then of its keys
                svc.setdefault("context", ".")
    flush()
    return out


def bake_builds(name: str, text: str) -> list[tuple[str, str, str]]:
    """(context, dockerfile, tag) of each tag of each target of a bake file."""
    targets = []
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        for t in (data.get("target") or {}).values() if isinstance(data, dict) else ():
            if isinstance(t, dict):
                targets.append((t.get("context"), t.get("dockerfile"), t.get("tags") or []))
    else:
        for block in re.findall(r'^\s*target\s+"[^"]*"\s*\{(.*?)^\s*\}', text, re.MULTILINE | re.DOTALL):
            ctx = re.search(r'^\s*context\s*=\s*"([^"]*)"', block, re.MULTILINE)
            df = re.search(r'^\s*dockerfile\s*=\s*"([^"]*)"', block, re.MULTILINE)
            tags = re.search(r"^\s*tags\s*=\s*\[(.*?)\]", block, re.MULTILINE | re.DOTALL)
            targets.append((ctx and ctx.group(1), df and df.group(1),
                            re.findall(r'"([^"]*)"', tags.group(1)) if tags else []))
    return [(c or ".", d or "Dockerfile", tag) for c, d, tags in targets if isinstance(tags, list)
            for tag in tags if isinstance(tag, str)]


def command_builds(text: str) -> list[tuple[str, str, str]]:
    """(context, dockerfile, tag) of each `docker build`/`podman build` command line with `-t`."""
    out = []
    text = re.sub(r"\\\n", " ", text)
    for m in re.finditer(r"\b(?:docker|podman)\s+(?:buildx\s+)?build\s+([^\n;&|]*)", text):
        try:
            words = shlex.split(m.group(1), comments=True)
        except ValueError:
            continue
        tags, dockerfile, positional = [], None, []
        i = 0
        while i < len(words):
            w = words[i]
            flag, eq, val = w.partition("=")
            if flag in ("-t", "--tag", "-f", "--file") and not eq:
                val = words[i + 1] if i + 1 < len(words) else ""
                i += 1
            if flag in ("-t", "--tag"):
                tags.append(val)
            elif flag in ("-f", "--file"):
                dockerfile = val
            elif not w.startswith("-"):
                positional.append(w)
            i += 1
        if tags and positional:
            ctx = positional[-1]
            out += [(ctx, dockerfile or os.path.join(ctx, "Dockerfile"), tag) for tag in tags]
    return out


def scan(root: str) -> Repo:
    """What the repository at `root` builds and which images its Dockerfiles build FROM (cached)."""
    root = os.path.realpath(root)
    if root in _REPOS:
        return _REPOS[root]
    from ...discover import SKIP_DIRS, is_dockerfile_name

    repo = _REPOS[root] = Repo()
    budget = MAX_FILES
    dirs_left = MAX_DIRS

    def built(folder, context, dockerfile, name, source, compose):
        """Record `name` as the image of `dockerfile` (relative to `context`, itself relative to folder)."""
        ctx = os.path.join(folder, context)
        df = os.path.join(ctx, dockerfile) if compose else os.path.join(folder, dockerfile)
        repo.built.setdefault(os.path.realpath(df), []).append((name, source))

    for folder, dirs, files in os.walk(root):
        dirs_left -= 1
        if dirs_left < 0 or budget <= 0:
            break
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d != "vendor")
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            kind = ("compose" if any(fnmatch.fnmatchcase(name, p) for p in COMPOSE_PATTERNS) else
                    "bake" if name in BAKE_FILES else
                    "script" if any(fnmatch.fnmatchcase(name, p) for p in SCRIPT_PATTERNS) else
                    "dockerfile" if is_dockerfile_name(name) else None)
            if kind is None or budget <= 0:
                continue
            budget -= 1
            text = _read(path)
            if text is None:
                continue
            if kind == "compose":
                for c, d, image in compose_builds(text):
                    built(folder, c, d, image, rel, True)
            elif kind == "bake":
                for c, d, tag in bake_builds(name, text):
                    built(folder, c, d, tag, rel, True)
            elif kind == "script":
                for c, d, tag in command_builds(text):
                    for base in dict.fromkeys((folder, root)):  # run from its folder, or the root
                        built(base, ".", d, tag, rel, False)
            else:
                stages = set()
                for m in FROM_RE.finditer(text):
                    ref = m.group(1)
                    if ref.lower() not in stages:
                        p = image_path(ref)
                        if p:
                            line = text.count("\n", 0, m.start(1)) + 1
                            repo.froms.append((p, rel, line, os.path.realpath(path), ref))
                    if m.group(2):
                        stages.add(m.group(2).lower())
    return repo


def consumer(dockerfile: str, root: str) -> str | None:
    """The reason when another Dockerfile of the repository builds FROM this Dockerfile's image."""
    repo = scan(root)
    me = os.path.realpath(dockerfile)
    for name, source in repo.built.get(me, ()):
        path = image_path(name)
        for p, rel, line, real, ref in repo.froms:
            if p == path and real != me:
                return (f"line {line} of {rel} builds FROM {ref} (this Dockerfile's image, per {source}): "
                        f"a base image others build on; they choose the USER")
    return None
