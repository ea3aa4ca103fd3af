"""Step 5b: facts of the final stage's base image, from its own configuration.

What the base runs as, its distribution, whether it has a shell, its users, entrypoint and
volumes are facts of the image: its configuration blob (a few KB) says them. A `Resolver` gets
that blob, in order, from
1. the local engine (`docker image inspect` / `podman image inspect`, no network, bounded time),
2. a fresh entry of the on-disk cache (tag -> config digest for `ttl`, digest -> config for ever),
3. the registry (`registry.Client`, imported only then), unless the same registry failed for
   this image less than `failure_ttl` ago (the negative cache: a laptop offline, air-gapped CI or
   a private registry without credentials would otherwise pay the failed attempt on every run),
4. a stale cache entry, when the registry cannot be reached;
and `info()` merges what it found into the `images.ImageInfo` of the knowledge file, which stays
the answer when nothing is found. Modes: "network" (the CLI on files), "local" (`--offline`,
stdin and the language server: cache first, then the engine; never the network) and "off"
(knowledge only: the library default, and DOCKERFIX_LOOKUP=off).

A failed lookup is never an error of the file: it becomes `ImageInfo.lookup_note`, a reason.
The resolver is an argument (`info(..., resolver=)`), never module state: the pipeline's caller
(the CLI, the language server) makes one per look-up setting and passes it to each file's run.
"""

from __future__ import annotations

import json
import os
import re
import sys
import _thread
import time
from .record import dataclass, replace

from . import images, recache, sha256
from .cachedir import cache_dir  # noqa: F401 (where the cache lives; re-exported)

DEFAULT_PLATFORM = "linux/amd64"
DEFAULT_TTL = 24 * 3600
DEFAULT_FAILURE_TTL = 10 * 60  # how long a failed registry look-up is remembered
CACHE_MAX_FILES = 4000  # per folder; the oldest go first


# --- where the facts are looked up ----------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """The outcome of one lookup: a configuration and where it came from, or why there is none."""

    config: dict | None
    origin: str = ""  # "registry", "registry, cached 3 h ago", "podman", ...
    note: str = ""  # the platform chosen of a manifest list, or why the lookup failed
    digest: str = ""


class Cache:
    """Files under `root`: tags/<hash>.json (reference + platform -> config digest, with the time
    it was learnt), configs/<digest>.json (the config blob, checked against its digest on
    read) and failures/<hash>.json (reference + platform + registry mirror -> why the last
    registry look-up failed, and when: remembered for `failure_ttl`). Writes are atomic (a
    temporary file renamed over), so concurrent processes never see half a file; anything
    unreadable or wrong is ignored and written again."""

    def __init__(self, root: str, ttl: float = DEFAULT_TTL, max_files: int = CACHE_MAX_FILES,
                 failure_ttl: float = DEFAULT_FAILURE_TTL):
        self.root, self.ttl, self.max_files, self.failure_ttl = root, ttl, max_files, failure_ttl
        # the time the ages a reason says ("cached 3 h ago") are told from: the start of a command
        # over many files (`batch`), so that its files, whichever worker reads the entry when, say
        # the same; None: when the entry is read
        self.told_at: float | None = None

    def _told(self, age: float, learnt: float) -> float:
        return age if self.told_at is None else max(0.0, self.told_at - learnt)

    def _tag_path(self, image: str, platform: str) -> str:
        return os.path.join(self.root, "tags", sha256.hexdigest(f"{image}|{platform}".encode()) + ".json")

    def _config_path(self, digest: str) -> str:
        return os.path.join(self.root, "configs", digest.replace(":", "-") + ".json")

    def get(self, image: str, platform: str, fresh: bool) -> Found | None:
        try:
            with open(self._tag_path(image, platform), encoding="utf-8") as f:
                entry = json.load(f)
            digest, learnt, source = entry["config"], float(entry["time"]), entry["source"]
            pinned = "@sha256:" in image  # a digest never moves
            age = time.time() - learnt
            if fresh and not pinned and not 0 <= age < self.ttl:
                return None
            with open(self._config_path(digest), "rb") as f:
                blob = f.read()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest) or sha256.hexdigest(blob) != digest[7:]:
            return None
        try:
            config = json.loads(blob)
        except ValueError:
            return None
        if not isinstance(config, dict):
            return None
        return Found(config, f"{source}, cached {_ago(self._told(age, learnt))}", entry.get("note", ""), digest)

    def put(self, image: str, platform: str, digest: str, blob: bytes, source: str, note: str = "") -> None:
        try:
            self._write(self._config_path(digest), blob)
            entry = {"image": image, "platform": platform, "config": digest, "time": time.time(),
                     "source": source, "note": note}
            self._write(self._tag_path(image, platform), json.dumps(entry).encode())
        except OSError:
            pass  # a read-only or full disk: the lookup still answered

    def _failure_path(self, image: str, platform: str, where: str) -> str:
        key = f"{image}|{platform}|{where}".encode()
        return os.path.join(self.root, "failures", sha256.hexdigest(key) + ".json")

    def failure(self, image: str, platform: str, where: str) -> tuple[str, float] | None:
        """(why, how long ago) of a registry failure for this image, platform and registry
        (`where`: the mirror, or "" for the image's own registry) younger than `failure_ttl`."""
        if self.failure_ttl <= 0:
            return None
        try:
            with open(self._failure_path(image, platform, where), encoding="utf-8") as f:
                entry = json.load(f)
            why, learnt = entry["why"], float(entry["time"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        age = time.time() - learnt
        if not isinstance(why, str) or not 0 <= age < self.failure_ttl:
            return None
        return why, self._told(age, learnt)

    def put_failure(self, image: str, platform: str, where: str, why: str) -> None:
        if self.failure_ttl <= 0:
            return
        entry = {"image": image, "platform": platform, "registry": where, "why": why, "time": time.time()}
        try:
            self._write(self._failure_path(image, platform, where), json.dumps(entry).encode())
        except OSError:
            pass

    def forget_failure(self, image: str, platform: str, where: str) -> None:
        """The registry answered: a remembered failure no longer holds."""
        try:
            os.unlink(self._failure_path(image, platform, where))
        except OSError:
            pass

    def _write(self, path: str, data: bytes) -> None:
        import tempfile

        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self._trim(folder)

    def _trim(self, folder: str) -> None:
        """Keep at most `max_files` entries per folder: the least recently written go."""
        try:
            names = os.listdir(folder)
        except OSError:
            return
        if len(names) <= self.max_files:
            return
        paths = [os.path.join(folder, n) for n in names]
        stamped = []
        for p in paths:
            try:
                stamped.append((os.stat(p).st_mtime, p))
            except OSError:
                pass
        for _, p in sorted(stamped)[: len(stamped) - self.max_files]:
            try:
                os.unlink(p)
            except OSError:
                pass


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return "just now" if seconds < 5 else f"{int(seconds)} s ago"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def canonical(image: str) -> str:
    """One spelling per image: `debian:12`, `docker.io/library/debian:12` -> docker.io/debian:12."""
    ref = images.parse_ref(image)
    reg = ref.registry if ref.registry not in (None, "index.docker.io", "registry-1.docker.io") else "docker.io"
    return f"{reg}/{ref.path}" + (f"@{ref.digest}" if ref.digest else f":{ref.tag or 'latest'}")


def engine_images(timeout: float = 3.0) -> dict[str, tuple[str, set[str]]]:
    """engine -> (its CLI, the canonical names of its local images), for each engine whose CLI is on
    PATH and answers: one `image ls` each, so that only images that are there are inspected."""
    import shutil
    import subprocess

    out = {}
    for engine in ("docker", "podman"):
        exe = shutil.which(engine)
        if not exe:
            continue
        try:
            done = subprocess.run([exe, "image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}"],
                                  capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            names = {canonical(w) for w in done.stdout.decode("utf-8", "replace").split()
                     if "<none>" not in w and re.fullmatch(r"[A-Za-z0-9._/:@-]+", w)}
            out[engine] = (exe, names)
    return out


def engine_config(image: str, platform: str, timeout: float = 3.0, engines=None) -> tuple[Found, bytes] | None:
    """The image's configuration from the local engine whose CLI is on PATH, when the image is
    there for `platform`: (found, the config as JSON bytes to cache), else None."""
    import subprocess

    name = canonical(image)
    for engine, (exe, present) in (engines if engines is not None else engine_images(timeout)).items():
        if name not in present:
            continue
        try:
            out = subprocess.run([exe, "image", "inspect", "--", image], capture_output=True, timeout=timeout,
                                 stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode != 0:
            continue
        try:
            data = json.loads(out.stdout)[0]
        except (ValueError, IndexError, KeyError, TypeError):
            continue
        if not isinstance(data, dict):
            continue
        os_, arch = data.get("Os") or "linux", data.get("Architecture") or ""
        if platform.split("/")[:2] != [os_, arch]:
            continue
        history = data.get("History")
        if history is None and engine == "docker":
            history = _docker_history(exe, image, timeout)
        config = {"os": os_, "architecture": arch, "config": data.get("Config") or {},
                  "history": [{"created_by": h.get("createdBy") or h.get("created_by") or ""}
                              for h in history or [] if isinstance(h, dict)]}
        blob = json.dumps(config, sort_keys=True).encode()
        digest = "sha256:" + sha256.hexdigest(blob)
        return Found(config, engine, "", digest), blob
    return None


def _docker_history(exe: str, image: str, timeout: float) -> list[dict]:
    import subprocess

    try:
        out = subprocess.run([exe, "image", "history", "--no-trunc", "--format", "{{json .}}", "--", image],
                             capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        rows = [json.loads(line) for line in out.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    except (OSError, ValueError, subprocess.SubprocessError):
        return []
    return [{"created_by": r.get("CreatedBy", "")} for r in reversed(rows) if isinstance(r, dict)]


class Deferred(BaseException):
    """Raised by a Resolver that may not ask (`ask` False: a folder run's worker before the
    command's pre-pass) for an image only the engine or a registry can answer; args[0] is the
    (image, platform) to look up. A BaseException, so that no rule's `except Exception` takes it
    for a failed check and carries on."""


class Resolver:
    """Looks images up once per process (a lock per image), in the order of the module docstring.
    `ask` False (a folder run's first round in worker processes, `batch`): what the cache holds
    (fresh, or a failure remembered) is answered as usual, anything that would ask the engine or
    the registry raises `Deferred` instead, for the command's process to look up concurrently."""

    def __init__(self, mode: str = "network", cache: Cache | None = None, timeout: float = 5.0,
                 mirror: str | None = None, insecure: tuple[str, ...] = (), engines: bool = True,
                 refresh: bool = False):
        self.mode = mode
        self.refresh = refresh  # --refresh: ask again, whatever the cache remembers
        self.cache = cache if cache is not None else Cache(cache_dir())
        self.timeout, self.mirror, self.insecure, self.engines = timeout, mirror, tuple(insecure), engines
        self._found: dict[tuple[str, str], Found] = {}
        self._locks: dict[tuple[str, str], _thread.LockType] = {}
        self._lock = _thread.allocate_lock()
        self._client = None
        self._engines = None  # engine_images(), asked once
        self.ask = True

    def get(self, image: str, platform: str) -> Found:
        key = (image, platform)
        with self._lock:
            if key in self._found:
                return self._found[key]
            lock = self._locks.setdefault(key, _thread.allocate_lock())
        with lock:  # one lookup per image, whichever thread asks first
            if key not in self._found:
                found = self._lookup(image, platform)
                with self._lock:
                    self._found[key] = found
        return self._found[key]

    def prefetch(self, keys, workers: int = 8) -> None:
        """Look up the distinct (image, platform) pairs concurrently (the CLI's pre-pass)."""
        keys = list(dict.fromkeys(keys))
        if len(keys) <= 1:
            for k in keys:
                self.get(*k)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
            list(pool.map(lambda k: self.get(*k), keys))

    def _lookup(self, image: str, platform: str) -> Found:
        if self.mode == "off":
            return Found(None)
        # the fresh cache first: it is a file read, while asking the engine starts a process
        # (~70 ms) on every run; what the engine or the registry answers is cached for
        # `tag-cache-hours`, so a rebuilt local tag is seen after that, or at once with a cleared cache
        found = None if self.refresh else self.cache.get(image, platform, fresh=True)
        if found is not None:
            return found
        # a look-up that failed a moment ago (neither the engine nor the registry had the image) is
        # not repeated for `failure_ttl`: the engine is a process and the registry a timeout per run
        # a remembered failure is per registry (the mirror asked first) and per state of the
        # credential files: adding the credentials a registry asked for is tried at once
        if self.mode == "network":
            from .authfiles import stamp

            where = f"{self.mirror or ''}|{stamp()}"
        else:
            where = "local"
        remembered = None if self.refresh else self.cache.failure(image, platform, where)
        failed = ""
        if remembered is not None:
            why, age = remembered
            failed = why and f"{why} (remembered from a look-up {_ago(age)}; --refresh asks again)"
        elif not self.ask:
            raise Deferred((image, platform))
        else:
            found = self._engine(image, platform)
            if found is not None:
                self.cache.forget_failure(image, platform, where)
                return found
            if self.mode == "network":
                try:
                    found = self._registry(image, platform)
                except Exception as e:  # noqa: BLE001 - whatever went wrong, the file is still processed
                    failed = str(e) or type(e).__name__
                else:
                    self.cache.forget_failure(image, platform, where)
                    return found
            self.cache.put_failure(image, platform, where, failed)
        stale = self.cache.get(image, platform, fresh=False)
        if stale is not None:
            return replace(stale, note=f"base: {failed}; using the cached configuration" if failed else stale.note)
        if failed:
            return Found(None, note=f"base: {failed}")
        return Found(None)

    def _engine(self, image: str, platform: str) -> Found | None:
        if not self.engines:
            return None
        with self._lock:
            if self._engines is None:
                self._engines = engine_images(min(self.timeout, 3.0))
        got = engine_config(image, platform, min(self.timeout, 3.0), self._engines)
        if got is None:
            return None
        found, blob = got
        self.cache.put(image, platform, found.digest, blob, found.origin)
        return found

    def _registry(self, image: str, platform: str) -> Found:
        from . import registry

        with self._lock:
            if self._client is None:
                self._client = registry.Client(self.timeout, self.mirror, self.insecure)
        ref = registry.parse(image)
        digest, blob, note = self._client.config(ref, platform)
        try:
            config = json.loads(blob)
        except ValueError:
            raise registry.RegistryError("the image configuration is not JSON") from None
        if not isinstance(config, dict):
            raise registry.RegistryError("the image configuration is not a JSON object")
        self.cache.put(image, platform, digest, blob, "registry", note)
        return Found(config, "registry", note, digest)


def resolver_from(settings: dict, *, local: bool = False) -> Resolver:
    """A Resolver for the configuration's lookup settings (`offline`, `registry-mirror`,
    `insecure-registries`, `tag-cache-hours`, `lookup-timeout`) and the environment
    (DOCKERFIX_OFFLINE=1; DOCKERFIX_LOOKUP=off: knowledge only)."""
    env_off = os.environ.get("DOCKERFIX_LOOKUP", "").lower() in ("off", "0", "false", "no")
    offline = local or settings.get("offline") or os.environ.get("DOCKERFIX_OFFLINE", "") not in ("", "0", "false")
    mode = "off" if env_off else ("local" if offline else "network")
    ttl = float(settings.get("tag-cache-hours", DEFAULT_TTL / 3600)) * 3600
    failure_ttl = float(settings.get("failed-lookup-minutes", DEFAULT_FAILURE_TTL / 60)) * 60
    return Resolver(mode, Cache(cache_dir(), ttl, failure_ttl=failure_ttl),
                    timeout=float(settings.get("lookup-timeout", 5)), mirror=settings.get("registry-mirror"),
                    insecure=tuple(settings.get("insecure-registries", ())), refresh=bool(settings.get("refresh")))


# --- which image, which platform ------------------------------------------------------------------


# BuildKit's automatic platform ARGs, as they are when building for the default platform
PLATFORM_ARGS = {"BUILDPLATFORM": DEFAULT_PLATFORM, "TARGETPLATFORM": DEFAULT_PLATFORM, "BUILDOS": "linux",
                 "BUILDARCH": "amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "BUILDVARIANT": "",
                 "TARGETVARIANT": ""}


def base_of(st, target: str | None = None) -> tuple[str | None, str, bool]:
    """(image, platform, platform given) of the final stage's root: through stage chains and
    global ARG defaults; `--platform` expanded with BuildKit's platform ARGs (linux/amd64)."""
    from .stages import Unresolved, expand

    root = st.final(target).root
    flag = root.from_inst.flag("platform")
    if not flag:
        return root.image, DEFAULT_PLATFORM, False
    try:
        platform = expand(flag, {**PLATFORM_ARGS, **st.global_args}, "\\").strip().lower()
    except Unresolved:
        return root.image, DEFAULT_PLATFORM, False
    parts = platform.split("/")
    if not 2 <= len(parts) <= 3 or not all(re.fullmatch(r"[a-z0-9_]+", p) for p in parts):
        return root.image, DEFAULT_PLATFORM, False
    return root.image, platform, True


def whole_root(st, target: str | None = None) -> tuple[str | None, str, int] | None:
    """(image, what it is, line) when the final stage's chain starts `FROM scratch` and its first
    step copies a whole root filesystem into it (`COPY --from=build / /`, the squash pattern): the
    stage then holds that filesystem, its shell and its users, not an empty image. `image` is the
    root image of the stage copied from (or the image named by `--from`), None when unknowable."""
    final = st.final(target)
    root = final.root
    if (root.image or "").lower() != "scratch":
        return None
    first = next((i for i in root.instructions if i.cmd not in ("arg", "label", "maintainer")), None)
    if first is None or first.cmd != "copy" or not first.flag("from"):
        return None
    values = [v.rstrip("/") or "/" for v in first.value]
    if len(values) != 2 or values != ["/", "/"]:
        return None
    src = first.flag("from")
    by_name = {s.name: s for s in st.stages if s.name}
    stage = by_name.get(src.lower()) or next((s for s in st.stages if str(s.index) == src), None)
    if stage is None:
        return src, f"the image {src}", first.start_line
    if stage.index >= root.index:
        return None
    return stage.root.image, f"stage {stage.label} ({stage.root.image or stage.root.image_raw})", first.start_line


def filled_scratch(info: images.ImageInfo, what: str, line: int) -> images.ImageInfo:
    """The facts of a scratch stage that holds a copied root filesystem: the files' facts
    (distribution, shell, users), none of the configuration (user, entrypoint, environment),
    which a COPY does not carry: it runs as root."""
    return replace(info, default_user="", user_known=True, drops_privileges=False, env={}, volumes=(),
                   entrypoint=(), cmd=(), workdir="",
                   evidence=f"line {line} copies the whole root filesystem of {what} into it"
                            + (f" ({info.evidence})" if info.evidence else ""))


def lookup_key(image: str | None) -> str | None:
    """The name an image is looked up and cached by; None for what has no configuration, and for
    an image whose user the knowledge file already knows (`images.toml`, with its sources): a
    look-up would cost a process or a request per run and add nothing to the decision."""
    if not image or image.lower() == "scratch" or "$" in image:
        return None
    if not re.fullmatch(r"[A-Za-z0-9._/:@-]+", image):
        return None
    if images.lookup(image).user_known:
        return None
    return image


def info(image: str | None, platform: str = DEFAULT_PLATFORM, platform_given: bool = False,
         resolver: Resolver | None = None) -> images.ImageInfo:
    """The knowledge file's ImageInfo for `image`, with the facts of its configuration merged
    in when `resolver` finds one (None: the knowledge file only)."""
    known = images.lookup(image)
    key = lookup_key(image)
    if resolver is None or key is None or resolver.mode == "off":
        return known
    found = resolver.get(key, platform)
    if found.config is None:
        return replace(known, lookup_note=found.note) if found.note else known
    how = found.origin
    if "platforms" in found.note:  # a manifest list: say which image of it
        how += f"; {found.note}" + ("" if platform_given else ", the default")
    merged = merge(known, found.config, how)
    if found.note and found.note.startswith("base:"):
        merged = replace(merged, lookup_note=found.note)
    return merged


# --- what a configuration says ------------------------------------------------------------------


_PREFIX = recache.compile(r"^(?:RUN\s+)?(?:\|\d+(?:\s+[A-Za-z_][A-Za-z0-9_]*=\S*)*\s+)?")
_SHELL_C = recache.compile(r"^(?:/bin/|/usr/bin/)?(?:sh|bash|ash|dash)\s+-[a-z]*c\s+")
_INSTRUCTION = recache.compile(r"^(ADD|COPY|ENV|ARG|CMD|ENTRYPOINT|USER|WORKDIR|LABEL|EXPOSE|VOLUME|SHELL|STOPSIGNAL|"
                          r"HEALTHCHECK|ONBUILD|MAINTAINER)\b", re.I)


def history_steps(config: dict) -> list[tuple[str, str]]:
    """The build steps recorded in a configuration's history: ("run", script), ("add"/"copy",
    arguments), ("meta", instruction) or ("other", text) (a rootfs tool, a Bazel rule, ...)."""
    out = []
    for h in config.get("history") or []:
        if not isinstance(h, dict):
            continue
        text = str(h.get("created_by") or "").strip()
        if not text:
            continue
        text = re.sub(r"\s*# buildkit$", "", text)
        text = _PREFIX.sub("", text, count=1)
        m = _SHELL_C.match(text)
        if m:
            rest = text[m.end():]
            if rest.startswith("#(nop)"):
                text = rest[6:].strip()
            else:
                out.append(("run", rest))
                continue
        im = _INSTRUCTION.match(text)
        if im:
            word = im.group(1).lower()
            out.append((word if word in ("add", "copy") else "meta", text[im.end():].strip()))
        else:
            out.append(("other", text))
    return out


def merge(known: images.ImageInfo, config: dict, origin: str) -> images.ImageInfo:
    """`known` (the knowledge file's entry, possibly empty) with what the configuration says:
    its User (now KNOWN), Env, Entrypoint, Cmd, WorkingDir and Volumes; Windows from `os`; the
    Linux family, users, shell and privilege-drop tools from its history. A fact the config does
    not settle keeps the knowledge file's value."""
    from . import shell
    from .commands import INSTALL_DROP_RE, drop_tool

    c = config.get("config") if isinstance(config.get("config"), dict) else {}
    env = dict(known.env)
    for item in c.get("Env") or []:
        if isinstance(item, str) and "=" in item:
            k, v = item.split("=", 1)
            env[k] = v
    entrypoint = tuple(str(x) for x in c.get("Entrypoint") or [])
    cmd = tuple(str(x) for x in c.get("Cmd") or [])
    volumes = tuple(sorted(str(v) for v in (c.get("Volumes") or {})))
    family, shell_ok, useradd = known.family, known.shell, known.useradd
    users = dict(known.users)
    drops = known.drops_privileges
    why = []
    steps = history_steps(config)
    if str(config.get("os", "")).lower() == "windows":
        family, why = "windows", ["its os is windows"]
    else:
        fams: list[str] = []
        created: dict[str, tuple[int | None, str | None]] = {}
        gids: dict[str, int | None] = {}
        for kind, text in steps:
            if kind != "run":
                continue
            facts = shell.analyze_shell(text, shell.ShellContext())
            fams += facts.families
            for u in facts.users:
                created[u.name] = (u.uid, u.group)
            for g in facts.groups:
                gids[g.name] = g.gid
            if INSTALL_DROP_RE.search(text) and entrypoint:
                drops = True
        if fams:
            family = fams[-1]
            why.append(f"its history runs {_manager(family)}")
        for name, (uid, group) in created.items():
            if uid is None or shell.UNKNOWN in name:
                continue
            gid = gids.get(group or name)
            if gid is None and group and group.isdigit():
                gid = int(group)
            users.setdefault(name, f"{uid}:{gid if gid is not None else uid}")
        runs = any(k == "run" for k, _ in steps)
        rootfs = any(k in ("add", "copy") and re.search(r"(?:\sin)?\s/\s*$", " " + t) for k, t in steps)
        shells = ("sh", "bash", "ash", "/bin/sh", "/bin/bash", "/bin/ash", "/busybox/sh")
        names_shell = any(w in shells for w in (entrypoint or cmd)[:1])
        if steps and not runs and not rootfs and not names_shell and all(k != "other" for k, _ in steps):
            shell_ok, useradd = False, False
            why.append("its history only adds files (no shell)")
    if drop_tool(" ".join(entrypoint + cmd)):
        drops = True
    user = str(c.get("User") or "")
    reuse = known.reuse_user
    name = user.split(":", 1)[0]
    if user and name not in ("root", "0") and not name.isdigit() and name in users:
        reuse = reuse or name
    return replace(
        known, family=family, shell=shell_ok, useradd=useradd, default_user=user, users=users, reuse_user=reuse,
        drops_privileges=drops, env=env, entrypoint=entrypoint, cmd=cmd, volumes=volumes,
        workdir=str(c.get("WorkingDir") or ""), facts_from=origin, user_known=True,
        matched=(", ".join(why) + f"; {origin}") if why else (f"{known.matched}; {origin}" if known.matched else origin),
        evidence=(", ".join(why) + f" ({origin})") if why else (known.evidence or f"its configuration ({origin})"),
    )


def _manager(family: str) -> str:
    return {"alpine": "apk", "debian": "apt/dpkg", "rhel": "dnf/yum/microdnf", "suse": "zypper",
            "arch": "pacman"}.get(family, family)
