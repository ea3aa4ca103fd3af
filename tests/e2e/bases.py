"""Local stand-ins for public base images, and thin buildah helpers, for the real-build tests.

No registry is reachable on the machines these tests run on, so the suite makes its base images
itself and tags them with their public names; Dockerfiles keep their real FROM lines:

- Debian (`debian:bookworm-slim`, `debian:12`, …, and `ubuntu:22.04`): `debootstrap --variant=minbase
  bookworm`, so shadow's real useradd/groupadd, apt and dpkg.
- `ubuntu:24.04`: the same plus its own user `ubuntu` (uid 1000), like the real image.
- `node:20` and `node:20-bookworm-slim`: the same plus the user `node` (uid 1000).
- `python:3.12-slim`: Debian + python3 (python3-minimal) and a stand-in `pip` that installs into
  the system site-packages, so it needs root exactly like the real global pip.
- Alpine-like (`alpine:3.20`, `alpine:latest`): a static BusyBox built from Debian's source with
  `make defconfig` (it has adduser/addgroup, which Debian's busybox-static lacks: the same user
  tools as Alpine) and a stand-in `apk` that needs root to write its database.
- distroless-like (`gcr.io/distroless/static-debian12`, `base-debian12`, `:nonroot`): no shell, only
  /etc/passwd with root, nobody and nonroot (65532).
- `scratch` is built into buildah.

Everything lives in the project's cache folder CACHE (`DOCKERFIX_E2E_CACHE`, by default
`${XDG_CACHE_HOME:-~/.cache}/dockerfix/e2e`): the rootfs tarball and the BusyBox binary, and buildah's
own image store, run state, registries configuration, signature policy and temporary files. Every
buildah call goes through `buildah()`, which points buildah there; nothing here writes to
/etc/containers or buildah's system store, so the host's own images and configuration stay as they
are. The Debian mirror comes from the host's apt sources (`DOCKERFIX_E2E_MIRROR` overrides it).
The first run takes a few minutes, later ones seconds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import lzma
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

CACHE = Path(os.environ.get("DOCKERFIX_E2E_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dockerfix" / "e2e")
SUITE = "bookworm"  # what the Debian-based stand-ins are made of
ISOLATION = ["--isolation", "chroot"]
DEBIAN_TAGS = [
    "docker.io/library/debian:bookworm-slim",
    "docker.io/library/debian:bookworm",
    "docker.io/library/debian:12",
    "docker.io/library/debian:12-slim",
    "docker.io/library/ubuntu:22.04",
]
ALPINE_TAGS = ["docker.io/library/alpine:3.20", "docker.io/library/alpine:latest"]
DISTROLESS_TAGS = [
    "gcr.io/distroless/static-debian12:latest",
    "gcr.io/distroless/static-debian12:nonroot",
    "gcr.io/distroless/base-debian12:latest",
]
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def log(msg: str) -> None:
    """A progress line; tests/e2e/conftest.py points this at pytest's terminal, past output capture."""
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


@contextmanager
def step(what: str):
    log(f"making {what}…")
    t = time.time()
    yield
    log(f"{what}: done in {time.time() - t:.0f} s")


def sh(*args, check=True, capture=True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], capture_output=capture, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


# --- buildah, kept inside CACHE ----------------------------------------------------------------------

# what buildah reads instead of /etc/containers, and where it keeps images and run state instead of
# /var/lib/containers and /run/containers: vfs, as overlay and fuse are often unavailable
CONF = CACHE / "containers"
STORAGE_CONF = f"""[storage]
driver = "vfs"
graphroot = {json.dumps(str(CACHE / "storage"))}
runroot = {json.dumps(str(CACHE / "run"))}
"""
REGISTRIES_CONF = 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n'
POLICY = '{"default": [{"type": "insecureAcceptAnything"}]}\n'  # nothing is pulled: local images only
POLICY_COMMANDS = {"build", "commit", "from", "pull", "push"}  # the buildah commands that read the policy
_env: dict[str, str] = {}


def configure() -> None:
    """Write buildah's configuration under CACHE and make this session's temporary folder there
    (TMPDIR: buildah's default is /var/tmp)."""
    if _env:
        return
    (CONF / "registries.conf.d").mkdir(parents=True, exist_ok=True)  # empty: no system drop-ins
    (VAR_LIB / "containers").mkdir(parents=True, exist_ok=True)
    (CACHE / "tmp").mkdir(exist_ok=True)
    for name, text in (("storage.conf", STORAGE_CONF), ("registries.conf", REGISTRIES_CONF), ("policy.json", POLICY)):
        f = CONF / name
        if not f.exists() or f.read_text() != text:
            part = f.with_name(f"{name}.{os.getpid()}")
            part.write_text(text)
            os.replace(part, f)
    _env.update(CONTAINERS_STORAGE_CONF=str(CONF / "storage.conf"),
                CONTAINERS_REGISTRIES_CONF=str(CONF / "registries.conf"),
                TMPDIR=tempfile.mkdtemp(prefix="session-", dir=CACHE / "tmp"))


def cleanup() -> None:
    """Remove this session's temporary folder."""
    if "TMPDIR" in _env:
        shutil.rmtree(_env.pop("TMPDIR"), ignore_errors=True)
        _env.clear()


# buildah keeps a blob-info cache in /var/lib/containers/cache whatever the storage configuration
# says (and has no option or variable to move it): each call runs in a private mount namespace where
# /var/lib/containers is CACHE/var-lib/containers (bound over /var/lib/containers if the host has it,
# else over /var/lib, which buildah does not otherwise use)
VAR_LIB = CACHE / "var-lib"
IN_OWN_VAR_LIB = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'


def buildah(command: str, *args, check=True, **kw) -> subprocess.CompletedProcess:
    """Run `buildah command args…` on the store, configuration and temporary folders in CACHE."""
    configure()
    policy = ["--signature-policy", CONF / "policy.json"] if command in POLICY_COMMANDS else []
    bind = ((VAR_LIB / "containers", "/var/lib/containers") if os.path.isdir("/var/lib/containers")
            else (VAR_LIB, "/var/lib"))
    return sh("unshare", "--mount", "--propagation", "private", "sh", "-c", IN_OWN_VAR_LIB, "sh", *bind,
              "buildah", "--registries-conf-dir", CONF / "registries.conf.d",
              "--short-name-alias-conf", CONF / "short-name-aliases.conf", command, *policy, *args,
              check=check, env={**os.environ, **_env}, **kw)


def engine_bin() -> Path:
    """A folder holding a `buildah` script that runs buildah as buildah() does (CACHE's store,
    configuration, signature policy and temporary folder; its own /var/lib/containers; chroot
    isolation): first on PATH, it gives a program that calls `buildah` itself (dockerfix --verify)
    the suite's store instead of the host's. In this session's temporary folder."""
    configure()
    folder = Path(_env["TMPDIR"]) / "bin"
    script = folder / "buildah"
    if script.exists():
        return folder
    bind = ((VAR_LIB / "containers", "/var/lib/containers") if os.path.isdir("/var/lib/containers")
            else (VAR_LIB, "/var/lib"))
    env = {**_env, "BUILDAH_ISOLATION": ISOLATION[1]}
    q = shlex.quote
    lines = [
        "#!/bin/sh",
        'cmd=$1; shift',
        f'case "$cmd" in {"|".join(sorted(POLICY_COMMANDS | {"bud"}))}) '
        f'set -- "$cmd" --signature-policy {q(str(CONF / "policy.json"))} "$@";; *) set -- "$cmd" "$@";; esac',
        "export " + " ".join(f"{k}={q(str(v))}" for k, v in env.items()),
        f"exec unshare --mount --propagation private sh -c {q(IN_OWN_VAR_LIB)} sh {q(str(bind[0]))} {q(bind[1])} "
        f"{q(shutil.which('buildah') or 'buildah')} --registries-conf-dir {q(str(CONF / 'registries.conf.d'))} "
        f'--short-name-alias-conf {q(str(CONF / "short-name-aliases.conf"))} "$@"',
    ]
    folder.mkdir(exist_ok=True)
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return folder


# --- the Debian mirror -------------------------------------------------------------------------------


def mirror_candidates(etc: Path = Path("/etc/apt")) -> list[str]:
    """The URIs of the host's `deb` sources for a release suite (not -updates, -security, …), in apt's
    order: sources.list, then sources.list.d by file name (*.list one-line, *.sources deb822)."""
    out = []
    for f in [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*"))]:
        if not f.is_file():
            continue
        if f.name == "sources.list" or f.suffix == ".list":
            for line in f.read_text(errors="replace").splitlines():
                words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    out.append((words[1], [words[2]]))
        elif f.suffix == ".sources":
            text = "\n".join(l for l in f.read_text(errors="replace").splitlines() if not l.startswith("#"))
            for stanza in re.split(r"\n[ \t]*\n", text):
                fields = {k.lower(): v.split() for k, v in re.findall(r"^([\w-]+):(.*(?:\n[ \t].*)*)", stanza, re.M)}
                if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"]) != ["no"]:
                    out += [(uri, fields.get("suites", [])) for uri in fields.get("uris", [])]
    return list(dict.fromkeys(uri.rstrip("/") for uri, suites in out
                              if any("-" not in s and "/" not in s for s in suites)))


@functools.cache
def mirror() -> str:
    """The Debian mirror the bases are made from: DOCKERFIX_E2E_MIRROR, else the first `deb` source of
    the host for a release suite (not -updates, -security, …) that serves SUITE. RuntimeError if none."""
    if os.environ.get("DOCKERFIX_E2E_MIRROR"):
        where, candidates = "DOCKERFIX_E2E_MIRROR", [os.environ["DOCKERFIX_E2E_MIRROR"].rstrip("/")]
    else:
        where = "the host's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)"
        candidates = mirror_candidates()
    for uri in candidates:
        try:
            urllib.request.urlopen(f"{uri}/dists/{SUITE}/Release", timeout=30).close()
            return uri
        except (OSError, ValueError):
            continue
    raise RuntimeError(f"no Debian mirror serving {SUITE} found in {where} (tried: {', '.join(candidates) or 'none'}); "
                       "set DOCKERFIX_E2E_MIRROR to one")


def missing_prerequisites() -> str | None:
    if os.geteuid() != 0:
        return "not running as root"
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    for tool in ("make", "cc", "bzip2"):
        if shutil.which(tool) is None and not (CACHE / "busybox").exists():
            return f"{tool} is needed once to build BusyBox"
    if not (DEBIAN_TAR.exists() and (CACHE / "busybox").exists()):
        try:
            mirror()
        except RuntimeError as e:
            return str(e)
    return None


# bump when the base images change: images carrying another version are rebuilt
BASES_VERSION = "2"
LABEL = "dockerfix.e2e.bases"


def has_image(tag: str) -> bool:
    r = buildah("inspect", "--type", "image", tag, check=False)
    if r.returncode != 0:
        return False
    labels = json.loads(r.stdout).get("OCIv1", {}).get("config", {}).get("Labels") or {}
    return labels.get(LABEL) == BASES_VERSION


# --- root filesystems ------------------------------------------------------------------------------

# what the official debian:*-slim images leave out (debuerreotype's slimify), kept out of later
# `apt-get install`s too; fewer files also make every vfs layer copy faster
DPKG_SLIM = """path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
"""
APT_CONF = {
    "docker-clean": 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
                    '/var/cache/apt/*.bin || true"; };\nAPT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
                    '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
                    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
}


def slim(root: Path) -> None:
    for pattern in ("usr/share/doc/*", "usr/share/groff/*", "usr/share/info/*", "usr/share/linda/*",
                    "usr/share/lintian/overrides/*", "usr/share/locale/*", "usr/share/man/*",
                    "var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb",
                    "var/log/*.log", "var/log/apt/*"):
        for q in root.glob(pattern):
            if pattern == "usr/share/doc/*" and q.is_dir():  # keep the copyright files, like slimify
                for x in q.iterdir():
                    if x.name != "copyright":
                        shutil.rmtree(x) if x.is_dir() and not x.is_symlink() else x.unlink()
            elif q.is_dir() and not q.is_symlink():
                if q.name != "partial":
                    shutil.rmtree(q)
            else:
                q.unlink()
    (root / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/dpkg/dpkg.cfg.d/docker").write_text(DPKG_SLIM)
    for name, text in APT_CONF.items():
        (root / "etc/apt/apt.conf.d" / name).write_text(text)


DEBIAN_TAR = CACHE / f"rootfs-{SUITE}-slim.tar"


def debian_tar() -> Path:
    if DEBIAN_TAR.exists():
        return DEBIAN_TAR
    with step(f"Debian {SUITE} root filesystem (debootstrap --variant=minbase from {mirror()}, ~1 min)"):
        with tempfile.TemporaryDirectory(dir=CACHE) as d:
            root = Path(d) / "rootfs"
            sh("debootstrap", "--variant=minbase", SUITE, root, mirror())
            slim(root)
            sh("tar", "--numeric-owner", "-C", root, "-cf", f"{DEBIAN_TAR}.part", ".")
            os.replace(f"{DEBIAN_TAR}.part", DEBIAN_TAR)
    return DEBIAN_TAR


def busybox_source() -> Path:
    """Debian's BusyBox source tarball for SUITE, named by the mirror's Sources index and checked
    against its SHA-256 there."""
    cached = sorted(CACHE.glob("busybox_*.orig.tar.*"))
    if cached:
        return cached[-1]
    url = f"{mirror()}/dists/{SUITE}/main/source/Sources.xz"
    with urllib.request.urlopen(url, timeout=60) as r, lzma.open(r, "rt", errors="replace") as index:
        stanza = ""
        for line in index:
            if line.strip():
                stanza += line
            elif stanza.startswith("Package: busybox\n"):
                break
            else:
                stanza = ""
    directory = re.search(r"^Directory: (\S+)$", stanza, re.M)
    tarball = re.search(r"^ ([0-9a-f]{64}) \d+ (busybox_\S+\.orig\.tar\.\w+)$", stanza, re.M)
    if not (directory and tarball):
        raise RuntimeError(f"no busybox source package in {url}")
    directory, (sha256, name) = directory[1], tarball.groups()
    with urllib.request.urlopen(f"{mirror()}/{directory}/{name}", timeout=300) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"{mirror()}/{directory}/{name}: SHA-256 differs from {url}")
    (CACHE / f"{name}.part").write_bytes(data)
    os.replace(CACHE / f"{name}.part", CACHE / name)
    return CACHE / name


def busybox_binary() -> Path:
    out = CACHE / "busybox"
    if out.exists():
        return out
    with step(f"static BusyBox from Debian's {SUITE} source (make, ~2 min)"):
        src_tar = busybox_source()
        with tempfile.TemporaryDirectory(dir=CACHE) as d:
            sh("tar", "-xf", src_tar, "-C", d, "--strip-components=1")
            sh("make", "defconfig", cwd=d)
            cfg = Path(d) / ".config"
            text = cfg.read_text()
            text = text.replace("# CONFIG_STATIC is not set", "CONFIG_STATIC=y")
            text = text.replace("CONFIG_TC=y", "# CONFIG_TC is not set")  # does not build with linux 6 headers
            cfg.write_text(text)
            subprocess.run("yes '' | make oldconfig", shell=True, cwd=d, capture_output=True, check=True)
            sh("make", f"-j{os.cpu_count() or 2}", cwd=d)
            shutil.copy(Path(d) / "busybox", f"{out}.part")
            os.replace(f"{out}.part", out)
    return out


APK = r"""#!/bin/sh
# stand-in for Alpine's apk: no repository is reachable here, but like the real one it needs root
# to write its database, so placement tests see the same failure a misplaced USER would cause
db=/lib/apk/db/installed
case "$1" in
  --version|-V) echo "apk-tools 2.14.4 (dockerfix e2e stand-in)"; exit 0 ;;
  --print-arch) uname -m; exit 0 ;;
  info) cat "$db" 2>/dev/null; exit 0 ;;
esac
cmd=""
for a in "$@"; do
  case "$a" in
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd="$a"; else pkgs="$pkgs $a"; fi ;;
  esac
done
mkdir -p /lib/apk/db /var/cache/apk 2>/dev/null
touch "$db" || { echo "ERROR: Unable to lock database: Permission denied" >&2; exit 99; }
case "$cmd" in
  add) for p in $pkgs; do echo "P:$p" >> "$db" || exit 99; done ;;
  del) : > "$db.new" && grep -v -x -F -f /dev/null "$db" > "$db.new"; mv "$db.new" "$db" ;;
  update|upgrade|cache|fix) : ;;
  *) echo "apk stand-in: unsupported command $cmd" >&2; exit 1 ;;
esac
exit 0
"""

PIP = r"""#!/usr/bin/python3
# stand-in for the global pip of python:*-slim: installs each requirement as a module into the
# system site-packages, so like the real one it fails unless run as root
import os, sys
args = sys.argv[1:]
if not args or args[0] in ("--version", "-V"):
    print("pip 24.0 (dockerfix e2e stand-in)"); sys.exit(0)
if args[0] != "install":
    sys.exit(0)
reqs, i = [], 1
while i < len(args):
    a = args[i]
    if a in ("-r", "--requirement"):
        reqs += [l.split("#")[0].strip() for l in open(args[i + 1])]; i += 2; continue
    if not a.startswith("-"):
        reqs.append(a)
    i += 1
site = "/usr/local/lib/python3.11/dist-packages"
for r in filter(None, reqs):
    name = r.split("==")[0].split(">=")[0].split("[")[0].strip().lower().replace("-", "_")
    try:
        os.makedirs(site, exist_ok=True)
        with open(os.path.join(site, name + ".py"), "w") as f:
            f.write("__version__ = 'stand-in'\n")
    except OSError as e:
        print(f"ERROR: Could not install packages due to an OSError: {e}", file=sys.stderr); sys.exit(1)
    print(f"Successfully installed {name}")
"""


def short(tag: str) -> str:
    return tag.removeprefix("docker.io/library/")


def _commit(container: str, tags: list[str]) -> None:
    stale = {buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", t, check=False).stdout.strip()
             for t in tags}
    buildah("config", "--label", f"{LABEL}={BASES_VERSION}", container)
    buildah("commit", "--rm", "-q", container, tags[0])
    for t in tags[1:]:
        buildah("tag", tags[0], t)
    for image_id in stale - {""}:  # an older version of these bases, now untagged
        buildah("rmi", image_id, check=False)


def _from_tar(tar: Path, config: list[str]) -> str:
    c = buildah("from", "scratch").stdout.strip()
    buildah("add", c, tar, "/")
    buildah("config", *config, c)
    return c


def _run(c: str, script: str) -> None:
    buildah("run", *ISOLATION, c, "--", "/bin/sh", "-c", script)


def build_debian() -> None:
    if all(has_image(t) for t in DEBIAN_TAGS):
        return
    tar = debian_tar()
    with step(f"base {short(DEBIAN_TAGS[0])} and its other tags"):
        c = _from_tar(tar, ["--env", PATH_ENV, "--cmd", '["bash"]', "--os", "linux"])
        _commit(c, DEBIAN_TAGS)


def build_derived(tags: list[str], script: str, extra_config: list[str] = ()) -> None:
    if all(has_image(t) for t in tags):
        return
    build_debian()
    with step(f"base {short(tags[0])}"):
        c = buildah("from", "--pull=never", DEBIAN_TAGS[0]).stdout.strip()
        _run(c, script)
        if extra_config:
            buildah("config", *extra_config, c)
        _commit(c, tags)


def build_python() -> None:
    tags = ["docker.io/library/python:3.12-slim", "docker.io/library/python:3.12-slim-bookworm"]
    if all(has_image(t) for t in tags):
        return
    build_debian()
    with step(f"base {short(tags[0])} (apt-get install python3-minimal)"):
        c = buildah("from", "--pull=never", DEBIAN_TAGS[0]).stdout.strip()
        _run(c, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
                "python3-minimal >/dev/null && rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/python3 /usr/local/bin/python")
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(PIP)
        os.chmod(f.name, 0o755)
        buildah("copy", "--chmod", "0755", c, f.name, "/usr/local/bin/pip")
        _run(c, "ln -s pip /usr/local/bin/pip3")
        os.unlink(f.name)
        buildah("config", "--cmd", '["python3"]', c)
        _commit(c, tags)


def build_alpine() -> None:
    if all(has_image(t) for t in ALPINE_TAGS):
        return
    bb = busybox_binary()
    with step(f"base {short(ALPINE_TAGS[0])} (Alpine-like, from the BusyBox)"):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "home", "var/tmp", "lib/apk/db", "dev", "proc"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(root / "tmp", 0o1777)
            os.chmod(root / "var/tmp", 0o1777)
            os.chmod(root / "root", 0o700)
            shutil.copy(bb, root / "bin/busybox")
            os.chmod(root / "bin/busybox", 0o755)
            applets = sh(bb, "--list-full").stdout.split()
            for a in applets:
                p = root / a
                if not p.exists() and a != "bin/busybox":
                    p.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink("/bin/busybox", p)
            (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
            (root / "etc/group").write_text("root:x:0:root\nnogroup:x:65533:\nnobody:x:65534:\n")
            (root / "etc/shadow").write_text("root:*::0:::::\nnobody:!::0:::::\n")
            os.chmod(root / "etc/shadow", 0o640)
            (root / "etc/os-release").write_text('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n')
            (root / "lib/apk/db/installed").write_text("P:busybox\n")
            (root / "sbin/apk").write_text(APK)
            os.chmod(root / "sbin/apk", 0o755)
            tar = Path(d) / "rootfs.tar"
            sh("tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tar,
               "--exclude=./rootfs.tar", ".")
            c = _from_tar(tar, ["--env", PATH_ENV, "--cmd", '["/bin/sh"]'])
        _commit(c, ALPINE_TAGS)


def build_distroless() -> None:
    if all(has_image(t) for t in DISTROLESS_TAGS):
        return
    with step(f"base {DISTROLESS_TAGS[0]} (distroless-like)"):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d) / "r"
            for sub in ("etc", "tmp", "home/nonroot", "root"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(root / "tmp", 0o1777)
            (root / "etc/passwd").write_text(
                "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
            )
            (root / "etc/group").write_text("root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")
            os.chown(root / "home/nonroot", 65532, 65532)
            tar = Path(d) / "rootfs.tar"
            sh("tar", "--numeric-owner", "-C", root, "-cf", tar, ".")
            c = _from_tar(tar, ["--env", PATH_ENV])
        _commit(c, DISTROLESS_TAGS)


def ensure_bases() -> None:
    """Build every missing base image (each skipped when all its tags exist), in two lanes side by
    side: the Debian-based ones (debootstrap: mostly network and disk) and the BusyBox-based and
    distroless-like ones (compiling BusyBox: CPU)."""
    t = time.time()
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(_debian_lane), pool.submit(_busybox_lane)]
        for job in jobs:
            job.result()
    log(f"base images ready in {CACHE} ({time.time() - t:.0f} s)")


def _busybox_lane() -> None:
    build_alpine()
    build_distroless()


def _debian_lane() -> None:
    build_debian()
    build_derived(
        ["docker.io/library/ubuntu:24.04"],
        "groupadd --gid 1000 ubuntu && useradd --uid 1000 --gid ubuntu --create-home --shell /bin/bash ubuntu",
    )
    build_derived(
        ["docker.io/library/node:20-bookworm-slim", "docker.io/library/node:20"],
        "groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home --shell /bin/bash node",
        ["--cmd", '["node"]'],
    )
    build_python()
    # ubi-minimal-like: no shadow-utils at all (no useradd, groupadd, adduser, addgroup)
    build_derived(
        ["registry.access.redhat.com/ubi9/ubi-minimal:9.4", "registry.access.redhat.com/ubi9/ubi-minimal:latest"],
        "rm -f /usr/sbin/useradd /usr/sbin/groupadd /usr/sbin/adduser /usr/sbin/addgroup /usr/sbin/usermod "
        "/usr/sbin/groupmod /usr/sbin/newusers && ! command -v useradd && ! command -v adduser",
    )
    # redis-like: starts as root, its entrypoint prepares /data and drops privileges itself
    build_derived(
        ["docker.io/library/redis:7.4", "docker.io/library/redis:7"],
        "groupadd --system --gid 999 redis && useradd --system --uid 999 --gid redis redis "
        "&& mkdir /data && printf '%s\\n' '#!/bin/sh' 'set -e' "
        "'if [ \"$(id -u)\" = 0 ]; then chown -R redis /data; exec setpriv --reuid=redis --regid=redis --init-groups \"$0\" \"$@\"; fi' "
        "'exec \"$@\"' > /usr/local/bin/docker-entrypoint.sh && chmod 755 /usr/local/bin/docker-entrypoint.sh",
        ["--entrypoint", '["docker-entrypoint.sh"]', "--cmd", '["sh", "-c", "touch /data/dump.rdb && id -un"]',
         "--workingdir", "/data"],
    )


# --- building and running ------------------------------------------------------------------------


def build(context: Path, dockerfile: Path, tag: str, build_args: dict | None = None) -> str:
    """Build `dockerfile` with `context` as `tag` from local images only; raises with the build log
    on failure. Returns the build log (what the RUN commands printed, stdout and stderr)."""
    args = [*ISOLATION, "--pull=never", "--layers=false", "-q", "-f", dockerfile, "-t", tag]
    for k, v in (build_args or {}).items():
        args += ["--build-arg", f"{k}={v}"]
    r = buildah("build", *args, context)
    return r.stdout + r.stderr


def inspect(tag: str) -> dict:
    return json.loads(buildah("inspect", "--type", "image", tag).stdout)["OCIv1"]["config"]


def image_user(tag: str) -> str:
    """The image's configured USER ('' when none: root)."""
    return inspect(tag).get("User", "") or ""


def run_image(tag: str, argv: list[str] | None = None, user: str | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `argv`, or the image's own ENTRYPOINT + CMD, as the image's configured USER (or `user`)."""
    return run_many(tag, [argv], user, timeout)[0]


def run_many(tag: str, argvs: list[list[str] | None], user: str | None = None,
             timeout: float = 120) -> list[subprocess.CompletedProcess]:
    """Like run_image for each argv in turn, in one container (each container is a full copy of the
    image with vfs, so this saves one copy per extra command)."""
    cfg = inspect(tag)
    own = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
    c = buildah("from", "--pull=never", tag).stdout.strip()
    opts = ["--user", user] if user else []
    try:
        out = []
        for argv in argvs:
            argv = own if argv is None else argv
            if not argv:
                raise ValueError(f"{tag} has neither ENTRYPOINT nor CMD")
            out.append(buildah("run", *ISOLATION, *opts, c, "--", *argv, check=False, timeout=timeout))
        return out
    finally:
        buildah("rm", c, check=False)


def remove_image(tag: str) -> None:
    buildah("rmi", "-f", tag, check=False)
