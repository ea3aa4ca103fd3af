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

Everything built is cached: the rootfs tarballs and the BusyBox binary in CACHE, the images in
buildah's store. The first run takes a few minutes, later ones seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(os.environ.get("DOCKERFIX_E2E_CACHE", "/var/cache/dockerfix-e2e"))
MIRROR = os.environ.get("DOCKERFIX_E2E_MIRROR", "http://deb.debian.org/debian")
BUSYBOX_URL = "http://deb.debian.org/debian/pool/main/b/busybox/busybox_1.35.0.orig.tar.bz2"
STORAGE_CONF = """[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
"""
REGISTRIES_DROPIN = 'unqualified-search-registries = ["docker.io"]\n'
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
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


def sh(*args, check=True, capture=True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], capture_output=capture, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def missing_prerequisites() -> str | None:
    if os.geteuid() != 0:
        return "not running as root"
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    for tool in ("make", "cc", "bzip2", "curl"):
        if shutil.which(tool) is None and not (CACHE / "busybox").exists():
            return f"{tool} is needed once to build BusyBox"
    return None


def configure() -> None:
    """vfs storage (no overlay or fuse here) and docker.io as the unqualified-name registry."""
    conf = Path("/etc/containers/storage.conf")
    if not conf.exists() or "vfs" not in conf.read_text():
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(STORAGE_CONF)
    dropin = Path("/etc/containers/registries.conf.d/99-dockerfix-e2e.conf")
    if not dropin.exists() or dropin.read_text() != REGISTRIES_DROPIN:
        dropin.parent.mkdir(parents=True, exist_ok=True)
        dropin.write_text(REGISTRIES_DROPIN)


# bump when the base images change: images carrying another version are rebuilt
BASES_VERSION = "2"
LABEL = "dockerfix.e2e.bases"


def has_image(tag: str) -> bool:
    r = sh("buildah", "inspect", "--type", "image", tag, check=False)
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


def debian_tar() -> Path:
    tar = CACHE / "rootfs-debian-slim.tar"
    if tar.exists():
        return tar
    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.time()
    with tempfile.TemporaryDirectory(dir=CACHE) as d:
        root = Path(d) / "rootfs"
        sh("debootstrap", "--variant=minbase", "bookworm", root, MIRROR)
        slim(root)
        sh("tar", "--numeric-owner", "-C", root, "-cf", str(tar) + ".part", ".")
        os.replace(str(tar) + ".part", tar)
    log(f"debootstrap bookworm minbase (slimmed): {time.time() - t:.0f} s")
    return tar


def busybox_binary() -> Path:
    out = CACHE / "busybox"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.time()
    src_tar = CACHE / "busybox.orig.tar.bz2"
    if not src_tar.exists():
        url = BUSYBOX_URL
        if sh("curl", "-sSfIL", url, check=False).returncode != 0:  # a newer upstream replaced it
            index = sh("curl", "-sSfL", url.rsplit("/", 1)[0] + "/").stdout
            names = sorted(set(re.findall(r'busybox_[0-9.]+\.orig\.tar\.bz2', index)))
            if not names:
                raise RuntimeError(f"no busybox orig tarball at {url.rsplit('/', 1)[0]}/")
            url = url.rsplit("/", 1)[0] + "/" + names[-1]
        sh("curl", "-sSfL", "-o", str(src_tar) + ".part", url)
        os.replace(str(src_tar) + ".part", src_tar)
    with tempfile.TemporaryDirectory(dir=CACHE) as d:
        sh("tar", "-xjf", src_tar, "-C", d, "--strip-components=1")
        sh("make", "defconfig", cwd=d)
        cfg = Path(d) / ".config"
        text = cfg.read_text()
        text = text.replace("# CONFIG_STATIC is not set", "CONFIG_STATIC=y")
        text = text.replace("CONFIG_TC=y", "# CONFIG_TC is not set")  # does not build with linux 6 headers
        cfg.write_text(text)
        subprocess.run("yes '' | make oldconfig", shell=True, cwd=d, capture_output=True, check=True)
        sh("make", f"-j{os.cpu_count() or 2}", cwd=d)
        shutil.copy(Path(d) / "busybox", str(out) + ".part")
        os.replace(str(out) + ".part", out)
    log(f"static BusyBox: {time.time() - t:.0f} s")
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


def _commit(container: str, tags: list[str]) -> None:
    stale = {sh("buildah", "inspect", "--type", "image", "--format", "{{.FromImageID}}", t, check=False).stdout.strip()
             for t in tags}
    sh("buildah", "config", "--label", f"{LABEL}={BASES_VERSION}", container)
    sh("buildah", "commit", "--rm", "-q", container, tags[0])
    for t in tags[1:]:
        sh("buildah", "tag", tags[0], t)
    for image_id in stale - {""}:  # an older version of these bases, now untagged
        sh("buildah", "rmi", image_id, check=False)


def _from_tar(tar: Path, config: list[str]) -> str:
    c = sh("buildah", "from", "scratch").stdout.strip()
    sh("buildah", "add", c, tar, "/")
    sh("buildah", "config", *config, c)
    return c


def _run(c: str, script: str) -> None:
    sh("buildah", "run", *ISOLATION, c, "--", "/bin/sh", "-c", script)


def build_debian() -> None:
    if all(has_image(t) for t in DEBIAN_TAGS):
        return
    t = time.time()
    c = _from_tar(debian_tar(), ["--env", PATH_ENV, "--cmd", '["bash"]', "--os", "linux"])
    _commit(c, DEBIAN_TAGS)
    log(f"debian images: {time.time() - t:.0f} s")


def build_derived(tags: list[str], script: str, extra_config: list[str] = ()) -> None:
    if all(has_image(t) for t in tags):
        return
    build_debian()
    t = time.time()
    c = sh("buildah", "from", "--pull=never", DEBIAN_TAGS[0]).stdout.strip()
    _run(c, script)
    if extra_config:
        sh("buildah", "config", *extra_config, c)
    _commit(c, tags)
    log(f"{tags[0]}: {time.time() - t:.0f} s")


def build_python() -> None:
    tags = ["docker.io/library/python:3.12-slim", "docker.io/library/python:3.12-slim-bookworm"]
    if all(has_image(t) for t in tags):
        return
    build_debian()
    t = time.time()
    c = sh("buildah", "from", "--pull=never", DEBIAN_TAGS[0]).stdout.strip()
    _run(c, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
            "python3-minimal >/dev/null && rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/python3 /usr/local/bin/python")
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(PIP)
    os.chmod(f.name, 0o755)
    sh("buildah", "copy", "--chmod", "0755", c, f.name, "/usr/local/bin/pip")
    _run(c, "ln -s pip /usr/local/bin/pip3")
    os.unlink(f.name)
    sh("buildah", "config", "--cmd", '["python3"]', c)
    _commit(c, tags)
    log(f"python: {time.time() - t:.0f} s")


def build_alpine() -> None:
    if all(has_image(t) for t in ALPINE_TAGS):
        return
    t = time.time()
    bb = busybox_binary()
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
    log(f"alpine-like: {time.time() - t:.0f} s")


def build_distroless() -> None:
    if all(has_image(t) for t in DISTROLESS_TAGS):
        return
    t = time.time()
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
    log(f"distroless-like: {time.time() - t:.0f} s")


def ensure_bases() -> None:
    """Build every missing base image (each skipped when all its tags exist); logs timings."""
    t0 = time.time()
    configure()
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
    build_alpine()
    build_distroless()
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
    log(f"base images ready: {time.time() - t0:.0f} s")


# --- building and running ------------------------------------------------------------------------


def build(context: Path, dockerfile: Path, tag: str, build_args: dict | None = None) -> float:
    """Build `dockerfile` with `context` as `tag` from local images only; raises with the build log
    on failure. Returns the seconds it took."""
    t = time.time()
    args = ["buildah", "build", *ISOLATION, "--pull=never", "--layers=false", "-q", "-f", dockerfile, "-t", tag]
    for k, v in (build_args or {}).items():
        args += ["--build-arg", f"{k}={v}"]
    sh(*args, context)
    return time.time() - t


def inspect(tag: str) -> dict:
    return json.loads(sh("buildah", "inspect", "--type", "image", tag).stdout)["OCIv1"]["config"]


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
    c = sh("buildah", "from", "--pull=never", tag).stdout.strip()
    opts = ["--user", user] if user else []
    try:
        out = []
        for argv in argvs:
            argv = own if argv is None else argv
            if not argv:
                raise ValueError(f"{tag} has neither ENTRYPOINT nor CMD")
            out.append(subprocess.run(["buildah", "run", *ISOLATION, *opts, c, "--", *argv],
                                      capture_output=True, text=True, timeout=timeout))
        return out
    finally:
        sh("buildah", "rm", c, check=False)


def remove_image(tag: str) -> None:
    sh("buildah", "rmi", "-f", tag, check=False)
