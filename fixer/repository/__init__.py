"""Step 5: the repository around a Dockerfile: what its images are for, who builds on them, how
they are run.

`Repository` is read once per repository root per run (`Cache.get`) and queried by the rules
through `decide.Context.repository`. It holds:
- the Dockerfiles and the images they produce: tags from compose `image:`, bake targets, GoReleaser's
  `dockers`, `docker build -t` in scripts, Makefiles and CI, `docker/build-push-action` tags and
  the `docker/metadata-action` names they use (`builds`);
- who consumes each image: `FROM` in the repository's Dockerfiles (`froms`), `COPY --from=image`
  (`copy_froms`), `FROM image` examples in README and docs (`doc_froms`);
- how each is run (`runs`): compose services, Kubernetes manifests and Helm charts, `docker run`
  lines in README, docs, scripts and CI;
- what says the repository publishes images for others (`generators`, `generated_docs`,
  `publish_ci`), and each Dockerfile's instruction sequence (`skeletons`), which groups variants of
  one image into families (`family_of`, families.py).

The walk is bounded and confined: breadth first (the top of the repository first), skipping `.git`,
`node_modules`, vendored and the CLI's skipped folders, at most MAX_DIRS folders and MAX_FILES files
read, MAX_BYTES each; a symlink is followed only when its target stays inside the root, and
nothing outside the root is ever opened. A file that cannot be read safely (binary, too large,
YAML too deep or expanding too far) becomes a warning in `warnings`, never an error: the rules
decide with the evidence that remains. `cheap=True` (the language server, stdin) reads fewer files.
"""

from __future__ import annotations

from .. import lazyre

import fnmatch
import os
import posixpath
import re
from collections import deque

from ..record import dataclass, field
from . import commands
from .. import recache

MAX_DIRS = 3000
MAX_FILES = 600
MAX_BYTES = 256 << 10
CHEAP_FILES = 150
CHEAP_DIRS = 400

SKIP_DIRS = frozenset((".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".direnv", "vendor",
                       "third_party", "third-party", "bower_components", ".terraform"))
COMPOSE_PATTERNS = ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml",
                    "*.compose.yml", "*.compose.yaml", "*.docker-compose*.yml", "*.docker-compose*.yaml")
BAKE_FILES = ("docker-bake.hcl", "docker-bake.json", "docker-bake.override.hcl")
GORELEASER_FILES = (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml")
SCRIPT_PATTERNS = ("Makefile", "makefile", "GNUmakefile", "*.mk", "*.sh", "*.bash", "justfile", "Justfile",
                   "Jenkinsfile", "Taskfile.yml", "Taskfile.yaml")
# folders that hold Dockerfiles without naming an image (`docker/Dockerfile`, `build/Dockerfile`)
GENERIC_FOLDERS = frozenset(("docker", "dockerfiles", "dockerfile", "container", "containers", "images", "image", "build",
                             "builds", "ci", ".ci", "deploy", "deployment", "deployments", "dev", "prod", "src", "app",
                             "scripts", "tools", "test", "tests", "examples", "example", "infra", "ops", "k8s", ".github",
                             ".devcontainer", "release", "dist", "packaging", "hack", "contrib", "misc", "etc", "files"))
# the folders that hold a repository's own image's Dockerfiles when none is at its root
PACKAGING_FOLDERS = frozenset(("docker", "dockerfiles", "dockerfile", "container", "containers", ".docker", "image"))
DOC_PATTERNS = ("README*", "readme*", "*.md", "*.rst", "*.adoc")
CI_DIRS = (".github/workflows", ".circleci", ".buildkite", ".woodpecker")
CI_FILES = (".gitlab-ci.yml", "azure-pipelines.yml", ".travis.yml", "cloudbuild.yaml", "cloudbuild.yml",
            "bitbucket-pipelines.yml", ".drone.yml", ".woodpecker.yml")
# a program that renders Dockerfiles from a template (its text must mention a Dockerfile)
GENERATOR_RE = lazyre.compile(r"^(?:apply-templates|generate[\w-]*|update[\w-]*|render[\w-]*|versions?)"
                          r"\.(?:sh|bash|pl|py|rb|go|js|ts|jq)$", re.I)
# source code named after Dockerfiles (`dockerfile.clj`, `gen_dockerfiles.py`): read for the
# `FROM` lines it writes
SOURCE_GENERATOR_RE = lazyre.compile(r"^[\w-]*dockerfiles?[\w-]*\.(?:clj|cljs|py|go|rs|js|mjs|ts|rb|pl|pm|java|kt|lua|php"
                                 r"|scala|cs|hs|ex|exs|groovy)$", re.I)
TEMPLATE_RE = lazyre.compile(r"^(?:Dockerfile|Containerfile)[\w.-]*\.(?:template|tmpl|tpl|j2|jinja2?|in|erb|mustache)$"
                         r"|\.(?:dockerfile|Dockerfile)\.(?:template|tmpl|tpl|j2|jinja2?)$", re.I)
VERSION_DIR_RE = lazyre.compile(r"^v?\d+(?:(?:\.|u)\d+)*(?:[.-][\w.-]+)?$")  # 1.2, 3.11-slim, 8u144 (Java)
TARGET_VAR_RE = lazyre.compile(r"\$\{?(\w+)\}?")
FROM_RE = lazyre.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(\S+)(?:[ \t]+AS[ \t]+(\S+))?", re.I | re.M)
COPY_FROM_RE = lazyre.compile(r"^[ \t]*(?:COPY|ADD)\b[^\n]*?--from=(\S+)", re.I | re.M)
K8S_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController",
             "DeploymentConfig"}


@dataclass(frozen=True)
class Where:
    file: str  # relative to the repository root
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Build:
    """One way the repository builds a Dockerfile."""

    dockerfile: str  # real path
    where: Where
    tags: list = field(default_factory=list)
    target: str | None = None
    outputs: list = field(default_factory=list)  # --output / outputs / bake output values
    image: bool = False  # the build makes an image (tags, push, load, compose)
    matrix: bool = False  # tags from a CI matrix (one image per version/variant)
    args: dict = field(default_factory=dict)  # the build arguments it passes (`--build-arg`, `build-args`, bake `args`)
    tag_suffixes: frozenset | None = None  # the suffixes every tag it pushes ends with (metadata-action `suffix=`)


@dataclass
class Run:
    """One way the repository runs an image."""

    kind: str  # compose | kubernetes | helm | docker-run | ci-job
    where: Where
    image: str | None = None
    dockerfile: str | None = None  # real path, when the runner builds it (compose `build:`)
    target: str | None = None
    user: str | None = None
    privileged: bool = False
    caps: list = field(default_factory=list)
    mounts: list = field(default_factory=list)  # (host, container) bind mounts
    read_only: list = field(default_factory=list)  # the (host, container) bind mounts marked read-only
    volume_targets: list = field(default_factory=list)  # (source, container) of every mount, named volumes too
    context: str | None = None  # real path of the build context, when the runner builds it (compose `build:`)
    folder: str | None = None  # real path of the folder relative host paths start from (compose: its file's)
    mount_lines: dict = field(default_factory=dict)  # (host, container) -> the line that declares it
    workdir: str | None = None
    command: str = ""
    ports: bool = False
    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    fs_group: int | None = None
    host_paths: list = field(default_factory=list)
    devices: list = field(default_factory=list)  # host device paths passed in (`--device`, compose `devices:`)
    claims: list = field(default_factory=list)  # (claim, mountPath) of the persistent volumes a pod mounts writable
    init: bool = False  # a Kubernetes init container (it prepares volumes, often as root, for the program)
    env: dict = field(default_factory=dict)  # the environment it sets (Kubernetes `env:` with literal values)
    container_ports: list = field(default_factory=list)  # the ports a Kubernetes manifest or Helm chart declares it listens on
    low_ports_allowed: bool = False  # sysctl net.ipv4.ip_unprivileged_port_start set: any user may bind a port below 1024


@dataclass
class Repository:
    root: str  # real path
    cheap: bool = False
    dockerfiles: list = field(default_factory=list)  # relative paths
    builds: list = field(default_factory=list)
    froms: list = field(default_factory=list)  # (image path, Where, real Dockerfile path, ref)
    copy_froms: list = field(default_factory=list)  # (image path, Where, real Dockerfile path)
    doc_froms: list = field(default_factory=list)  # (image path, Where, ref)
    # (provider's real Dockerfile path, Where, consumer's real Dockerfile path, context name): a bake
    # target that passes another target's image as a named context its Dockerfile builds FROM
    context_froms: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    generators: list = field(default_factory=list)  # Where of generator scripts and templates
    publish_ci: list = field(default_factory=list)  # Where of CI that pushes a matrix of tags
    skeletons: dict = field(default_factory=dict)  # Dockerfile (relative) -> its instruction keywords
    generated_docs: list = field(default_factory=list)  # (Where, text) of docs saying the Dockerfiles are generated
    warnings: list = field(default_factory=list)
    names: tuple = ()  # the repository's own name(s): folder name, git remote
    yaml_left: int = 80  # the YAML parsing budget (readers.MAX_YAML)
    _listing: dict = field(default_factory=dict, repr=False)
    _families: dict = field(default_factory=dict, repr=False)
    _built: list | None = field(default=None, repr=False)  # [(image paths, real Dockerfile path)], read once
    _reals: dict = field(default_factory=dict, repr=False)  # absolute path -> real path (the queries')

    # --- confinement ------------------------------------------------------------------------

    def inside(self, path: str) -> str | None:
        """The real path of `path` when it stays inside the repository root, else None."""
        real = os.path.realpath(path)
        if real == self.root or real.startswith(self.root + os.sep):
            return real
        return None

    def real(self, path: str) -> str:
        """`os.path.realpath(path)`, once per absolute path: the rules ask about the same
        Dockerfiles again and again (a path per component, a system call each), and the model is a
        snapshot of the repository anyway. A relative path (the command line's) is not kept."""
        if not os.path.isabs(path):
            return os.path.realpath(path)
        real = self._reals.get(path)
        if real is None:
            real = self._reals[path] = os.path.realpath(path)
        return real

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def read(self, path: str, limit: int = MAX_BYTES, walked: bool = False, quiet: bool = False) -> str | None:
        """The text of a file inside the root (None: outside, missing, binary or too large: a warning).
        `walked`: the walk found it and already refused links out of the root."""
        real = path if walked else self.inside(path)
        if real is None:
            if os.path.lexists(path):
                self.warn(f"{self.rel(path) if path.startswith(self.root) else path}: a link out of the "
                          f"repository, not read")
            return None
        try:
            if not os.path.isfile(real):
                return None
            size = os.path.getsize(real)
            if size > limit:
                if quiet:
                    return None
                self.warn(f"{self.rel(path)}: {size >> 10} KiB, larger than {limit >> 10} KiB: not read")
                return None
            with open(real, "rb") as f:
                data = f.read(limit)
        except OSError:
            return None
        if b"\0" in data[:8192]:
            self.warn(f"{self.rel(path)}: binary content, not read")
            return None
        return data.decode("utf-8", "replace")

    def listing(self, folder: str) -> list[str]:
        """The names in a folder inside the root (cached; [] outside it)."""
        real = self.inside(folder)
        if real is None:
            return []
        if real not in self._listing:
            try:
                self._listing[real] = sorted(os.listdir(real))[:5000]
            except OSError:
                self._listing[real] = []
        return self._listing[real]

    def warn(self, text: str) -> None:
        if text not in self.warnings and len(self.warnings) < 50:
            self.warnings.append(text)

    def folders_up(self, dockerfile: str):
        """The Dockerfile's folder and those above it up to the root (real paths)."""
        d = os.path.dirname(self.real(dockerfile))
        while d == self.root or d.startswith(self.root + os.sep):
            yield d
            if d == self.root:
                return
            d = os.path.dirname(d)

    # --- queries ----------------------------------------------------------------------------

    def images_of(self, dockerfile: str, stage: str | None = None) -> list[tuple[str, Where]]:
        """(image name, where it is named) of the images built from `dockerfile`."""
        real = self.real(dockerfile)
        out = []
        for b in self.builds:
            if b.dockerfile != real:
                continue
            if b.target is None or stage is None or b.target == stage:
                out += [(t, b.where) for t in b.tags]
            elif TARGET_VAR_RE.fullmatch(b.target):
                # one image per stage (`for t in $TARGETS; do docker build --target "$t" -t org/$t`):
                # the tag that names the target's variable names this stage's image
                var = TARGET_VAR_RE.fullmatch(b.target).group(1)
                use = re.compile(r"\$(?:\{" + re.escape(var) + r"\}|" + re.escape(var) + r"(?!\w))")
                out += [(use.sub(stage, t), b.where) for t in b.tags if use.search(_name_part(t))]
        for r in self.runs:
            if r.dockerfile == real and r.image:
                out.append((r.image, r.where))
        return out

    def image_paths_of(self, dockerfile: str, stage: str | None = None) -> set[str]:
        paths = {p for p in (image_path(n) for n, _ in self.images_of(dockerfile, stage)) if p}
        if not paths and self.main_dockerfile(dockerfile):
            paths = set(self.stems())  # the root Dockerfile builds the image named after the repository
        elif not paths:
            # no build names it: the image named after its folder under the repository's name
            # (`dev/frontend-build/Dockerfile` -> `squidex/frontend-build` in repository squidex)
            where = os.path.dirname(self.real(dockerfile))
            folder = os.path.basename(where).lower()
            if folder and where != self.root and folder not in GENERIC_FOLDERS:
                paths = {f"{stem}/{folder}" for stem in self.stems()}
            elif folder in PACKAGING_FOLDERS and os.path.dirname(where) == self.root and not any(
                    "/" not in d for d in self.dockerfiles):
                # no Dockerfile at the root, the repository's image kept in its `docker/` or
                # `Dockerfiles/` folder (`Dockerfiles/Dockerfile.alpine`): the image named after it
                paths = set(self.stems())
        return paths

    def main_dockerfile(self, dockerfile: str) -> bool:
        """The repository's main Dockerfile: `Dockerfile`/`Containerfile` at the root, or the only
        Dockerfile there."""
        real = self.real(dockerfile)
        if os.path.dirname(real) != self.root:
            return False
        at_root = [d for d in self.dockerfiles if "/" not in d]
        return os.path.basename(real) in ("Dockerfile", "Containerfile") or at_root == [os.path.basename(real)]

    def stems(self) -> tuple:
        """The image names a repository's own name stands for: `tool`, and for `tool-docker` or
        `docker-tool` (the usual names of image repositories) also `tool`."""
        out = []
        for n in self.names:
            for s in (n, re.sub(r"^(?:docker|container|image)s?[-_]|[-_](?:docker|container|image)s?$", "", n)):
                if s and s not in out:
                    out.append(s)
        return tuple(out)

    def builds_of(self, dockerfile: str) -> list[Build]:
        real = self.real(dockerfile)
        return [b for b in self.builds if b.dockerfile == real]

    def runs_of(self, dockerfile: str, stage: str | None = None) -> list[Run]:
        """How the repository runs the image `dockerfile` builds (its final stage: `stage`)."""
        real = self.real(dockerfile)
        paths = self.image_paths_of(dockerfile, stage)
        out = []
        for r in self.runs:
            if r.dockerfile == real:
                if r.target is None or stage is None or r.target == stage:
                    out.append(r)
            elif r.dockerfile is None and r.image and paths and _matches(r.image, paths) \
                    and self._same_variant(real, r.image):
                out.append(r)
        return out

    def _same_variant(self, real: str, image: str) -> bool:
        """Whether a run's tag can be this Dockerfile's: when every build of it pushes tags with a
        suffix (`app:1.2-web`, `app:nightly-web`: one image name, a variant per Dockerfile), a run
        of a literal tag without one of those suffixes (`app:latest-collector`) is another's."""
        p = image_path(image)
        builds = [b for b in self.builds_of(real)
                  if p and _path_matches(p, {q for q in (image_path(t) for t in b.tags) if q})]
        tag = image_tag(image)
        if not builds or not tag or "$" in tag or "{" in tag or "<" in tag:
            return True
        if any(b.tag_suffixes is None for b in builds):
            return not self.others_tag(real, p, tag)
        return any(tag.endswith(s) for b in builds for s in b.tag_suffixes)

    def others_tag(self, real: str, path: str | None, tag: str) -> bool:
        """One image name, a Dockerfile per literal tag (`acme/app:base` from Base.Dockerfile,
        `acme/app:1` from Dockerfile): whether the literal `tag` of image `path` is another
        Dockerfile's (one of its builds names it) and none of this one's (whose tags are all literal)."""
        if not path or not tag or any(c in tag for c in "${<"):
            return False
        mine = {image_tag(t) for b in self.builds_of(real) for t in b.tags if image_path(t) == path}
        if not mine or tag in mine or any(not m or any(c in m for c in "${<") for m in mine):
            return False
        return any(image_tag(t) == tag for b in self.builds if b.dockerfile != real for t in b.tags if image_path(t) == path)

    def consumers_of(self, dockerfile: str) -> list[tuple[str, Where, str]]:
        """(kind, where, ref) of the Dockerfiles and docs that build FROM this Dockerfile's image."""
        real = self.real(dockerfile)
        paths = self.image_paths_of(dockerfile)
        if not paths:
            return []
        # (a name the repository builds without its owner, `ghcr.io/${{ github.repository }}-base`
        # read as `pgdog-base`, matches `FROM ghcr.io/pgdogdev/pgdog-base`, as its runs do)
        out = [("FROM", w, ref) for p, w, other, ref in self.froms
               if _path_matches(p, paths) and other != real and not self.others_tag(real, p, image_tag(ref))]
        # a docs example names the published image with its owner (`FROM ghcr.io/org/tool`) where the
        # repository's own name stands for it (`tool`), as for its runs
        out += [("docs", w, ref) for p, w, ref in self.doc_froms if _path_matches(p, paths)]
        return out

    def context_consumers(self, dockerfile: str) -> list[tuple[Where, str, Where]]:
        """(where, ref, passed) of the `FROM NAME` lines of other Dockerfiles whose build (a bake
        target's `contexts`, at `passed`) gives NAME as this Dockerfile's image."""
        real = self.real(dockerfile)
        out = []
        for provider, passed, consumer, name in self.context_froms:
            if provider != real or consumer == real:
                continue
            out += [(w, ref, passed) for _p, w, other, ref in self.froms if other == consumer and ref.lower() == name.lower()]
        return out

    def builds_image(self, dockerfile: str, image: str) -> bool:
        """Whether `image` names the image the repository builds from `dockerfile` (as its runs are
        matched: without registry and tag; the repository's own name stands for `org/name`)."""
        return _matches(image, self.image_paths_of(dockerfile))

    def builder_of(self, image: str, dockerfile: str) -> str | None:
        """The real path of the repository's other Dockerfile that builds the image named `image`
        (the first, in the repository's order), or None."""
        real = self.real(dockerfile)
        if self._built is None:  # read once
            self._built = [(paths, other) for other in (self.real(os.path.join(self.root, rel))
                                                        for rel in self.dockerfiles)
                           for paths in (self.image_paths_of(other),) if paths]
        for paths, other in self._built:
            if other != real and _matches(image, paths):
                return other
        if not names_image(self, image):
            return None
        # the image named after the repository, which no build names (a Makefile that builds each
        # version folder by a parameter): the variant folder its tag names, else the first of the
        # family of variants the repository publishes under that name
        tag = image_tag(image)
        others = [d for d in self.dockerfiles if self.real(os.path.join(self.root, d)) != real]
        found = next((d for d in others if tag and tag in d.split("/")), None)
        found = found or next((d for d in others if self.family_of(os.path.join(self.root, d))), None)
        return self.real(os.path.join(self.root, found)) if found else None

    def copied_from(self, dockerfile: str) -> list[Where]:
        real = self.real(dockerfile)
        paths = self.image_paths_of(dockerfile)
        return [w for p, w, other in self.copy_froms if p in paths and other != real]

    def family_of(self, dockerfile: str):
        """The Dockerfile's variants (`families.Family`: itself and the Dockerfiles of the same
        shape that differ from it only in version or flavour parts of their paths)."""
        from .families import family

        rel = self.rel(self.real(dockerfile))
        if rel not in self._families:
            self._families[rel] = family(rel, self.dockerfiles, self.skeletons)
        return self._families[rel]

    def variant_layout(self, dockerfile: str) -> str | None:
        """The version folder when the Dockerfile is one of several per-version variants
        (`5.2/slim/Dockerfile`, `5.40/slim/Dockerfile`): the prefix before a version folder is
        shared with Dockerfiles under another version folder."""
        rel = self.rel(self.real(dockerfile))
        parts = rel.split("/")[:-1]
        for i, part in enumerate(parts):
            if VERSION_DIR_RE.match(part):
                prefix = "/".join(parts[:i])
                for d in self.dockerfiles:
                    dp = d.split("/")[:-1]
                    if len(dp) <= i or "/".join(dp[:i]) != prefix:
                        continue
                    if VERSION_DIR_RE.match(dp[i]) and dp[i] != part:
                        return part  # another version
                    if dp[i] == part and len(dp) > i + 1 and len(parts) > i + 1 and dp[i + 1] != parts[i + 1]:
                        return part  # another variant of the same version (`2.11/alpine`, `2.11/builder`)
        return None


def _name_part(tag: str) -> str:
    """The repository part of an image reference (`org/$t:1.0` -> `org/$t`): the tag dropped."""
    last = tag.rsplit("/", 1)[-1]
    return tag[: len(tag) - len(last)] + last.split(":", 1)[0] if ":" in last else tag


def image_tag(image: str) -> str:
    """The tag of an image name (`acme/app:1.2` -> 1.2), "" when none."""
    return image.strip().rsplit("/", 1)[-1].partition(":")[2].split("@")[0]


def _matches(name: str, paths: set[str]) -> bool:
    p = image_path(name)
    return bool(p) and _path_matches(p, paths)


def _path_matches(p: str, paths: set[str]) -> bool:
    if p in paths:
        return True
    # the repository's own name matches the image's last component (`org/tool` for repository `tool`),
    # and an image pushed to a registry without a namespace (`acr.example.io/product.api`) is the one
    # the repository builds under a namespace (`${REGISTRY:-shop}/product.api`)
    return any(("/" not in q and p.rsplit("/", 1)[-1] == q) or ("/" not in p and q.rsplit("/", 1)[-1] == p)
               for q in paths)


def names_image(repo, name: str) -> bool:
    """The image `name` is named after the repository (`acme/tool:1` in repository tool-docker)."""
    p = image_path(name)
    return bool(p) and p.rsplit("/", 1)[-1] in repo.stems()


def image_path(name: str) -> str | None:
    """The repository path of an image name (no registry, tag or digest), None when a variable is
    left: `${REGISTRY:-ghcr.io}/org/base:${TAG}` -> org/base."""
    from ..images import parse_ref

    # quotes are the shell's, wherever they sit (`acme/app:"1.2"`, `"acme/app":latest`)
    name = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", name.strip().replace('"', "").replace("'", ""))
    name = re.sub(r"^\$[{(]?\w+[})]?/", "", name)  # a registry from a variable
    name = re.sub(r":\$[{(]?[\w.\s]+[})]?\}?$", "", name)  # a tag from a variable
    name = re.sub(r":[^/:]*\$\{\{.*$", "", name)  # a tag from a CI expression (`:${{ github.sha }}-debian`)
    name = re.sub(r":<[^<>/]*>$", "", name)  # a docs placeholder for the tag (`:<VERSION>`)
    name = re.sub(r":[^/:]*\$[^/]*$", "", name)  # a tag made of variables and text (`:${V}-python${PY}`)
    if not name or re.search(r"[${}()\s]", name):
        return None
    try:
        return parse_ref(name).path or None
    except Exception:  # noqa: BLE001 - an odd name is no evidence
        return None


class Cache:
    """Repositories read in this run, by root: a bot runs over thousands of files of the same
    repositories, the language server over every save of the same workspace. Owned by the caller
    (the CLI makes one per run, the language server one per server), never module state."""

    def __init__(self, cheap: bool = False, ttl: float | None = None):
        self.cheap = cheap
        self.ttl = ttl  # seconds a reading stays valid (the language server: files change)
        self._repos: dict[str, tuple[float, Repository]] = {}
        self._facts: dict[tuple[str, str], tuple[float, object]] = {}

    def remember(self, kind: str, folder: str, compute):
        """`compute(folder)`, read once per folder like a repository (for the run; in the language
        server for `ttl` seconds and until `clear()`): the repository root above a folder, a
        linter configuration in it. Keeping these here, not in module caches, is what lets a
        long-running server see a file added since."""
        import time

        now = time.monotonic()
        hit = self._facts.get((kind, folder))
        if hit is None or (self.ttl is not None and now - hit[0] > self.ttl):
            hit = self._facts[(kind, folder)] = (now, compute(folder))
        return hit[1]

    def get(self, root: str) -> Repository:
        import time

        real = os.path.realpath(root)
        now = time.monotonic()
        hit = self._repos.get(real)
        if hit is None or (self.ttl is not None and now - hit[0] > self.ttl):
            hit = self._repos[real] = (now, load(real, cheap=self.cheap))
        return hit[1]

    def clear(self) -> None:
        self._repos.clear()
        self._facts.clear()


def _repo_names(root: str) -> tuple:
    names = [os.path.basename(root).lower()]
    try:
        with open(os.path.join(root, ".git", "config"), encoding="utf-8", errors="replace") as f:
            text = f.read(64 << 10)
        for url in re.findall(r"^\s*url\s*=\s*(\S+)", text, re.M):
            name = re.sub(r"\.git$", "", url.rstrip("/")).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()
            if name and name not in names:
                names.append(name)
    except OSError:
        pass
    if len(names) == 1:
        # no remote (a tarball, `git archive`, a CI artifact): the project's own manifest at the
        # root names the repository it is developed in (go.mod's module path, the `repository`
        # URL of package.json, Cargo.toml, pyproject.toml or a .cabal file)
        name = _manifest_name(root)
        if name and name not in names:
            names.append(name)
    if len(names) == 1:
        # the root Dockerfile's `org.opencontainers.image.source` label names the repository the
        # image is built from
        for df in ("Dockerfile", "Containerfile"):
            try:
                with open(os.path.join(root, df), encoding="utf-8", errors="replace") as f:
                    text = f.read(64 << 10)
            except OSError:
                continue
            m = SOURCE_LABEL_RE.search(text)
            if m:
                name = re.sub(r"\.git$", "", m.group(1).rstrip("/")).rsplit("/", 1)[-1].lower()
                if name and name not in names:
                    names.append(name)
            break
    return tuple(n for n in names if re.fullmatch(r"[a-z0-9][a-z0-9._-]*", n))


# go.mod's module path on a code host (`module github.com/acme/tool/v3`: tool)
GO_MODULE_RE = lazyre.compile(r"^module[ \t]+(?:[\w.-]+\.[a-z]{2,})/[\w.-]+/([\w.-]+)(?:/v\d+)?[ \t]*$", re.M)
# a repository URL on a code host in a manifest's `repository`/`location`/`Source` field
REPO_URL_RE = lazyre.compile(r"^[ \t]*[\"']?(?:repository|location|source|source[-_ ]?code|url)[\"']?[ \t]*[:=][^\n]*?"
                             r"(?:https?://|git@|git://|git\+https://)(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org"
                             r"|bitbucket\.org)[/:][\w.-]+/([\w.-]+?)(?:\.git)?[\"'/]?[ \t]*,?[ \t]*$", re.M | re.I)
MANIFESTS = ("go.mod", "Cargo.toml", "package.json", "pyproject.toml", "setup.cfg")


def _manifest_name(root: str) -> str | None:
    """The repository's name as its own manifest at the root gives it, when one names it."""
    try:
        names = sorted(os.listdir(root))[:5000]
    except OSError:
        return None
    for name in [m for m in MANIFESTS if m in names] + [n for n in names if n.endswith(".cabal")][:1]:
        path = os.path.join(root, name)
        if os.path.islink(path):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(64 << 10)
        except OSError:
            continue
        m = (GO_MODULE_RE if name == "go.mod" else REPO_URL_RE).search(text)
        if m:
            return m.group(1).lower()
    return None


SOURCE_LABEL_RE = lazyre.compile(r"org\.opencontainers\.image\.source['\"]?\s*=\s*['\"]?https?://[^\s'\"/]+/[^\s'\"/]+/"
                                 r"([\w.-]+)")


def _patterns(pats) -> re.Pattern:
    return recache.compile("|".join(fnmatch.translate(p) for p in pats))


DOT_DIRS = (".github", ".circleci", ".buildkite", ".devcontainer", ".ci", ".docker", ".gitlab", ".woodpecker")
_COMPOSE = _patterns(COMPOSE_PATTERNS)
_SCRIPT = _patterns(SCRIPT_PATTERNS)
_DOC = _patterns(DOC_PATTERNS)
_DOCKERFILE = lazyre.compile(r"(?!.*\.(?:dockerignore|containerignore)$)(?:(?:Dockerfile|Containerfile)(?:[._-][\w.-]*)?"
                         r"|[\w.-]+\.(?:Dockerfile|dockerfile|Containerfile)|[\w.]+(?:[\w.-]*[-_])(?:dockerfile|Dockerfile))$")


def _kind(folder: str, name: str, is_dockerfile) -> str | None:
    if _COMPOSE.match(name):
        return "compose"
    if name in (".pre-commit-hooks.yaml", ".pre-commit-hooks.yml") and folder == "":
        return "precommit"
    if name in BAKE_FILES:
        return "bake"
    if name.endswith(".hcl") and not name.startswith(".") and not name.endswith(".pkr.hcl"):
        return "hcl"  # another bake file (`ci/build.hcl`, `bake -f ci/build.hcl`), read after the usual ones
    if name in GORELEASER_FILES:
        return "goreleaser"
    if folder in CI_DIRS or name in CI_FILES or folder.startswith(".github/workflows") or name.endswith(".gitlab-ci.yml"):
        return "ci" if name.endswith((".yml", ".yaml")) else "script"
    if name in ("action.yml", "action.yaml"):
        return "action"
    if GENERATOR_RE.match(name) or TEMPLATE_RE.search(name) or SOURCE_GENERATOR_RE.match(name):
        return "generator"
    if _SCRIPT.match(name):
        return "script"
    if name == "package.json":
        return "package"  # npm scripts: shell command lines (`"build:docker": "docker build -t ..."`)
    if is_dockerfile(name):
        return "dockerfile"
    if name == "Chart.yaml":
        return "chart"
    if name.endswith((".yml", ".yaml")) and not name.startswith("."):
        return "yaml"
    if _DOC.match(name):
        return "doc"
    return None


# the order files are read in when the budget is short: what decides the most first
PRIORITY = {"dockerfile": 0, "compose": 1, "precommit": 1, "bake": 1, "hcl": 3, "goreleaser": 1, "ci": 2, "generator": 2, "chart": 3, "script": 3, "package": 3,
            "doc": 4, "yaml": 5, "action": 6}
# the README and the docs folder at the top say how the images are used: read before the scripts
# deep in examples and samples (a repository of thousands of generated samples fills the budget)
TOP_DOC_DEPTH = 1


def load(root: str, cheap: bool = False) -> Repository:
    """Read the repository at `root` (a real path) within the budgets."""
    from . import readers

    repo = Repository(root, cheap=cheap, names=_repo_names(root),
                      yaml_left=readers.MAX_YAML // 4 if cheap else readers.MAX_YAML)
    max_dirs = CHEAP_DIRS if cheap else MAX_DIRS
    max_files = CHEAP_FILES if cheap else MAX_FILES
    found: list[tuple[int, int, str, str]] = []  # (priority, depth, rel, kind)
    queue = deque([(root, "", 0)])
    seen_dirs = {root}
    dirs = 0
    while queue and dirs < max_dirs:
        folder, rel_folder, depth = queue.popleft()
        dirs += 1
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)[:5000]
        except OSError:
            continue
        for e in entries:
            name = e.name
            rel = f"{rel_folder}/{name}" if rel_folder else name
            try:
                link = e.is_symlink()
                if link and repo.inside(e.path) is None:
                    repo.warn(f"{rel}: a symbolic link out of the repository, not followed")
                    continue
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                if name in SKIP_DIRS or (name.startswith(".") and name not in DOT_DIRS):
                    continue
                real = os.path.realpath(e.path) if link else e.path
                if real in seen_dirs:
                    continue
                seen_dirs.add(real)
                queue.append((e.path, rel, depth + 1))
                continue
            kind = _kind(rel_folder, name, _DOCKERFILE.match)
            if kind == "dockerfile":
                repo.dockerfiles.append(rel)
            if kind is not None:
                prio = PRIORITY[kind] if kind != "doc" or depth > TOP_DOC_DEPTH else PRIORITY["ci"]
                found.append((prio, depth, rel, kind))
    if queue:
        repo.warn(f"more than {max_dirs} folders: the repository was read in part")
    # a README beside a Dockerfile says how that image is built and run: read with the top docs
    beside = {posixpath.dirname(d) for d in repo.dockerfiles}
    found = [(PRIORITY["ci"], depth, rel, kind) if kind == "doc" and posixpath.dirname(rel) in beside
             and posixpath.basename(rel).lower().startswith("readme") else (prio, depth, rel, kind)
             for prio, depth, rel, kind in found]
    found.sort()
    if len(found) > max_files:
        repo.warn(f"more than {max_files} files to read: the repository was read in part")
    charts = {posixpath.dirname(rel) for _, _, rel, kind in found if kind == "chart"}
    for _, _, rel, kind in found[:max_files]:
        readers.read_file(repo, rel, kind, charts)
    # the README at the top says what the repository is, even when its Dockerfiles fill the budget
    # (an archive of hundreds of per-version folders)
    for _, depth, rel, kind in found[max_files:]:
        if depth == 0 and kind == "doc" and rel.lower().startswith("readme"):
            readers.read_file(repo, rel, kind, charts)
    readers.finish(repo)
    return repo
