"""base-image: an image others build on (a language, SDK or tool image, or one that says it is a base).

Official-style language and SDK images (node, rust, haskell, swift, ...) end with a shell or a REPL
as their CMD, or with none, and carry no application: users write `FROM thatimage` and
`RUN apt-get install ...`, which a USER in the base breaks (the docs tell them to add `USER node`
themselves). The rule fires when
- the final stage has ONBUILD triggers (it exists only to be built upon), or
- its header comments or LABELs say it is a base or builder image for others ("base image for",
  "consumers can simply FROM this image", a header line starting "Base Docker image for"), or
- its program is a shell or a REPL (`bash`, `python3`, `node`, `irb`, `ghci`, `php -a`, ...) or a
  compiler or build tool given nothing to build (`CMD ["tinygo"]`, `CMD ["mvn"]`), an init that
  only forwards to the CMD in front (`ENTRYPOINT ["tini", "--"]`) being transparent, or
  it has no CMD/ENTRYPOINT of its own on a distro or language base and sets up a toolchain's
  environment (`ENV PATH=...`, `RUSTUP_HOME`, `JAVA_HOME`, `*_VERSION`: a plain `apt-get install
  curl` with no CMD is still fixed) (an `*entrypoint*` wrapper in front of the CMD is fine),
  and nothing copied from the build context looks like an application: only files into system
  folders (/usr, /etc, /opt/<tool>/bin...) or single files at `/` (a licence, an entrypoint).
  Instead of a toolchain's environment, being one of the repository's per-version variants
  (`12.0.1/Dockerfile` beside `17.0.2/Dockerfile`) says the same: a runtime published per version.
  A toolchain copied from a build stage into a folder the stage puts on PATH (`COPY --from=build
  /out/tinygo /tinygo` + `ENV PATH=$PATH:/tinygo/bin`) and a root file system a builder assembled
  (`COPY --from=build /manylinux-rootfs /`) are not an application.
  `COPY . .` into a WORKDIR is an application, so `FROM python:3.12` + `COPY . .` + `RUN pip
  install` with no CMD is still fixed. `FROM scratch` stages are not-a-runtime-stage's.

- the title of the repository's README (its first heading) says it publishes base images
  ("Prometheus Busybox Docker Base Images") and the file has no CMD or ENTRYPOINT of its own;
- its path names it a base (a folder or a part of the file name is the word `base`:
  `Dockerfile.base`, `base/Dockerfile`, `build-base/alpine/Dockerfile`) and it has no CMD or
  ENTRYPOINT of its own, whatever it copies (a base that installs the application's dependencies
  for the main Dockerfile to build FROM);
- its ENTRYPOINT is a runtime that ends with the flag taking the application (`["java", "-jar"]`,
  `python -m`) and no CMD gives it, with no application copied in (also on `scratch`: a JRE
  assembled from a distroless tree): its users add the application and the CMD;
- another Dockerfile of the same repository builds FROM this Dockerfile's image, named by a
  compose service's `image:`, a bake target's `tags`, a `docker build -t` in a Makefile or
  script, or one in the Dockerfile's own usage comments (`# docker build --tag acme/base .`) (see
  consumers.py): the repository's own base or builder image.
"""

from __future__ import annotations

import posixpath
import re

from ... import lazyre
from ...evidence import program
from .generated_file import header

NAME = "base-image"
SUMMARY = "A language, SDK or tool image others build FROM (CMD is a shell or REPL, or none, and no application), ONBUILD, or a header saying so."
EXAMPLE = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends nodejs\nCMD ["node"]'

REPLS = {"bash", "sh", "ash", "dash", "zsh", "fish", "python", "python2", "python3", "ipython", "node", "nodejs",
         "irb", "ghci", "julia", "perl", "perl5", "jshell", "iex", "erl", "R", "pwsh", "powershell", "lua",
         "scala", "groovysh", "guile", "racket", "ocaml", "utop", "swift", "clojure", "sbcl", "tclsh", "gdb"}
REPL_WITH = {("php", "-a"), ("rebar3", "shell"), ("deno", "repl"), ("bun", "repl"), ("sbt", "console")}
INTERACTIVE = {"-i", "-l", "--login", "-il", "--interactive"}  # `python3 -V` is a command, not a REPL
SAYS_BASE_RE = lazyre.compile(
    r"\bbase image (?:for|to build)\b|\bcan (?:simply )?FROM this image\b"
    r"|\bused as (?:a|the) base (?:image|for)\b|\bimage (?:to|that others) build (?:on|upon)\b"
    r"|^base (?:docker |container |oci )?image for\b",  # a header line: "Base Docker image for the other images"
    re.IGNORECASE)
SYSTEM = ("/usr/", "/etc/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/root/", "/tmp/", "/var/lib/", "/docker-entrypoint")


# images whose own default program is a shell or a REPL: a stage FROM them with no CMD runs that
# a path component that names a distribution (`debian`, `ubi9-minimal`, a mirror's `debian-images`)
DISTRO_RE = lazyre.compile(r"(?:^|/)(?:debian|ubuntu|alpine|busybox|fedora|centos|rhel|ubi\d*(?:-minimal)?|rockylinux"
                           r"|almalinux|oraclelinux|amazonlinux|archlinux|opensuse|buildpack-deps)(?:-images)?(?:$|/)")
REPL_BASES = {"python", "node", "ruby", "golang", "rust", "openjdk", "eclipse-temurin", "amazoncorretto", "maven",
              "gradle", "perl", "julia", "haskell", "erlang", "elixir", "swift", "clojure", "pypy", "r-base",
              "rakudo-star", "dart", "mono", "gcc", "clang", "continuumio/miniconda3", "mambaorg/micromamba"}


def repl_base(image: str | None) -> bool:
    """The base image's own default program is a shell or a REPL (a distro or a language image)."""
    from ...images import parse_ref

    if not image:
        return False
    # an ARG without a usable default: `${REGISTRY:-registry.example}/debian-images/...` still says which image
    image = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", image)
    image = re.sub(r"\$\{?\w+\}?", "x", image)
    ref = parse_ref(image)
    if ref.path in REPL_BASES:
        return not re.search(r"apache|fpm|nginx", ref.tag or "")
    return bool(DISTRO_RE.search(ref.path))


TOOLCHAIN_ENV_RE = lazyre.compile(r"PATH|GOPATH|GOROOT|\w+_(?:HOME|ROOT|PATH|VERSION)")


def toolchain_env(an) -> tuple[str, int] | None:
    """(name, line) of an ENV of the final stage's chain that sets up a toolchain: PATH, *_HOME, *_VERSION..."""
    from ...stages import env_pairs

    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "env":
                for key, _value in env_pairs(inst):
                    if TOOLCHAIN_ENV_RE.fullmatch(key):
                        return key, inst.start_line
    return None


def is_repl(argv: list[str]) -> str | None:
    """The shell or REPL an exec-form/shell-form command runs with no program of its own, if any."""
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    rest = [a for a in argv[1:] if a]
    if (name in REPLS or re.fullmatch(r"python\d(?:\.\d+)?|perl\d?", name)) and all(a in INTERACTIVE for a in rest):
        return name
    if len(rest) == 1 and (name, rest[0]) in REPL_WITH:
        return f"{name} {rest[0]}"
    if name in BUILD_TOOLS and all(a in ("--help", "-h", "help", "version", "--version", "-v") for a in rest):
        return f"{name}, a build tool given nothing to build"
    return None


# compilers and build tools: an SDK image's CMD when its users bring the project (`CMD ["tinygo"]`, `CMD ["mvn"]`)
BUILD_TOOLS = {"go", "tinygo", "cargo", "rustc", "gcc", "g++", "clang", "mvn", "gradle", "sbt", "lein",
               "mix", "rebar3", "dotnet", "npm", "yarn", "pnpm", "bazel", "bazelisk", "zig", "swiftc", "ghc", "stack",
               "cabal", "dart", "flutter", "elm", "crystal", "nim", "ant", "kotlinc", "javac", "tsc", "emcc"}


def app_copy(an) -> int | None:
    """The line of a COPY/ADD from the build context that brings in an application, if any."""
    for sources, dest, line in an.from_context:
        for src in sources:
            target = re.sub(r"/+", "/", dest + posixpath.basename(src.rstrip("/")) if dest.endswith("/") else dest)
            if src.strip("./") == "" or not target.startswith("/"):
                return line  # the whole context, or into the WORKDIR
            if target.startswith(SYSTEM) or posixpath.dirname(target.rstrip("/")) == "/" and "." in posixpath.basename(target):
                continue  # tooling: into system folders, or a single file at /
            return line
    return None


def stage_copy(ctx) -> int | None:
    """The line of a `COPY --from=STAGE` (a build stage of this file) that brings what that stage
    built into a folder of the application's (not a system folder): a program of its own."""
    names = {s.name for s in ctx.stages.stages if s.name} | {str(s.index) for s in ctx.stages.stages}
    for stage in ctx.an.chain:
        for inst in stage.instructions:
            src = inst.flag("from") if inst.cmd == "copy" else None
            if not src or src.lower() not in names or len(inst.value) < 2:
                continue
            dest = inst.value[-1]
            if dest.rstrip("/") == "" and all(ROOTFS_RE.search(v.rstrip("/")) for v in inst.value[:-1]):
                continue  # a root file system assembled in a builder (`COPY --from=builder /distroless /`)
            if _on_path(ctx.an, dest):
                continue  # a toolchain put on PATH (`COPY --from=build /x/release/tinygo /tinygo` + `PATH=...:/tinygo/bin`)
            if not dest.startswith("/") or not dest.startswith(SYSTEM):
                return inst.start_line
    return None


def _on_path(an, dest: str) -> bool:
    """A folder copied in whose `bin` (or itself) the stage's ENV PATH lists: a toolchain."""
    from ...stages import env_pairs

    path = ":".join(v for stage in an.chain for inst in stage.instructions if inst.cmd == "env"
                    for k, v in env_pairs(inst) if k == "PATH")
    d = dest.rstrip("/")
    return bool(d) and any(p.rstrip("/") in (d, d + "/bin") for p in path.split(":") if p.startswith("/"))


# the folder a builder assembles a whole root file system in
ROOTFS_RE = lazyre.compile(r"(?:^|/)(?:[\w.-]*[-_.])?(?:rootfs|root-fs|distroless|sysroot|chroot|staging-root|image-root)$", re.I)
# an init that only reaps and forwards signals to the command it is given (the CMD decides)
INITS = {"tini", "tini-static", "dumb-init", "catatonit", "init"}


def says_base(ctx) -> str | None:
    for line, text in header(ctx.df):
        if SAYS_BASE_RE.search(text):
            return f'line {line}: the header says "{text}"'
    for stage in ctx.an.chain:
        for inst in stage.instructions:
            if inst.cmd == "label" and SAYS_BASE_RE.search(inst.original):
                return f"line {inst.start_line}: its LABEL says it is a base image for others"
    return None


README_BASE_RE = lazyre.compile(r"\bbase\s+(?:docker\s+|container\s+|oci\s+)?images?\b", re.I)


def _readme_title_says_base(ctx) -> str | None:
    """`README.md:1 titles the repository "Prometheus Busybox Docker Base Images"`: the title (first
    heading) of the README at the repository's root says it publishes base images."""
    repo = ctx.repository
    if repo is None:
        return None
    import os

    for name in repo.listing(repo.root):
        if not name.lower().startswith("readme"):
            continue
        text = repo.read(os.path.join(repo.root, name), quiet=True) or ""
        for n, line in enumerate(text[:4000].splitlines(), 1):
            title = line.strip().lstrip("#").strip() if line.lstrip().startswith("#") else None
            if title is None and n > 1 and set(line.strip()) <= set("=") and line.strip():
                title = text.splitlines()[n - 2].strip()  # an RST or setext title underlined with ===
            if title:
                if README_BASE_RE.search(title):
                    return f'{name}:{n} titles the repository "{title[:80]}"'
                return None  # only the first heading is the title
    return None


def _named_base(ctx) -> str | None:
    """The Dockerfile's path when a folder or a part of its file name is the word `base`
    (`docker/Dockerfile.base`, `base/Dockerfile`, `build-base/alpine/Dockerfile`, `Base.Dockerfile`;
    not `database/`)."""
    if ctx.repository is None or ctx.path is None:
        return None
    import os

    rel = ctx.repository.rel(os.path.realpath(ctx.path))
    if "base" in re.split(r"[/._-]+", rel.lower()):
        return rel
    return None


def _version_folder(ctx) -> str | None:
    """The version folder when the Dockerfile is one of the repository's per-version variants."""
    if ctx.repository is None or ctx.path is None:
        return None
    return ctx.repository.variant_layout(ctx.path)


# an ENTRYPOINT that ends waiting for the application its users give it: `java -jar`, `python -m`
DANGLING = {"-jar", "-cp", "-classpath", "--class-path", "-m", "-r", "--require", "-e"}


def _waits_for_app(an) -> str | None:
    """The reason when ENTRYPOINT is a runtime ending in a flag that takes the application
    (`["/usr/bin/java", "-jar"]`) and no CMD gives it: the image runs what its users add."""
    ep = an.entrypoint
    if ep is None or an.cmd is not None or not ep.value:
        return None
    argv = list(ep.value) if ep.json else ep.args.split()
    if len(argv) >= 2 and argv[-1] in DANGLING:
        return (f"line {ep.start_line}: ENTRYPOINT {' '.join(argv)} ends waiting for the application (no CMD "
                f"gives it): a runtime image its users complete with `COPY app.jar` and `CMD`")
    return None


def check(ctx) -> str | None:
    an = ctx.an
    if (an.base_image or "").split(":")[0] == "scratch":
        waits = _waits_for_app(an)  # a runtime assembled on scratch (a distroless JRE)
        if waits and app_copy(an) is None and stage_copy(ctx) is None:
            return f"{waits}; the images built on it choose the USER"
        return None
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "onbuild":
                return f"line {inst.start_line}: ONBUILD triggers: the image exists to be built upon; its users choose the USER"
    said = says_base(ctx)
    if said:
        return f"{said}; the images built on it choose the USER"
    from .consumers import consumer

    used = consumer(ctx)
    if used:
        return used
    ep, cmd = an.entrypoint, an.cmd
    waits = _waits_for_app(an)
    if waits:
        if app_copy(an) is not None or stage_copy(ctx) is not None:
            return None
        return f"{waits}; the images built on it choose the USER"
    ep_argv = (list(ep.value) if ep.json else ep.args.split()) if ep is not None and ep.value else []
    if ep_argv and ep_argv[0].rsplit("/", 1)[-1] in INITS and all(a.startswith("-") for a in ep_argv[1:]):
        ep = None  # `ENTRYPOINT ["tini", "--"]`: the CMD is the program
    if ep is not None and ep.value and "entrypoint" not in (program(ep)[0] or "").rsplit("/", 1)[-1]:
        return None  # a program of its own
    if cmd is not None:
        argv = list(cmd.value) if cmd.json else cmd.args.split()
        repl = is_repl(argv)
        if repl is None:
            return None
        what = f"line {cmd.start_line}: CMD is {repl}" + ("" if "," in repl else ", a shell or REPL")
    elif ep is not None and ep.value:
        return None  # an entrypoint script with no CMD runs something of its own
    elif repl_base(an.base_image or an.chain[0].image_raw) and toolchain_env(an):
        key, line = toolchain_env(an)
        what = (f"the image has no CMD or ENTRYPOINT of its own (its base {an.base_image or an.chain[0].image_raw} "
                f"starts a shell or REPL) and sets up a toolchain's environment (ENV {key} on line {line})")
    elif ep is None and (titled := _readme_title_says_base(ctx)):
        return (f"{titled}, and this file has no CMD or ENTRYPOINT of its own: one of the base "
                f"images the repository publishes (the images built on it choose the USER)")
    elif ep is None and (named := _named_base(ctx)):
        return (f"{named} names it a base image and it has no CMD or ENTRYPOINT of its own: an image "
                f"others build on (the images built on it choose the USER)")
    elif repl_base(an.base_image or an.chain[0].image_raw) and (version := _version_folder(ctx)):
        what = (f"the image has no CMD or ENTRYPOINT of its own (its base {an.base_image or an.chain[0].image_raw} "
                f"starts a shell or REPL) and is one of the repository's per-version variants (folder "
                f"{version}/ beside other versions): a runtime published for each version")
    else:
        return None  # the base image's own program runs
    if app_copy(an) is not None or stage_copy(ctx) is not None:
        return None
    return (f"{what}, and no application is copied in: a language, SDK or tool image others build FROM "
            f"(a USER would break their `RUN apt-get install ...`)")
