"""Step 5c: the base image's own entrypoint script, read from the image's layers.

When a Dockerfile sets no ENTRYPOINT, its container runs the base image's: a file inside the
image (`docker-entrypoint.sh`, `/entrypoint.sh`), which may start as root and drop privileges
itself (gosu, su-exec, `sudo -u`) or do root-only work at start. The image's configuration (from
the registry or the cache, facts.py) names it; this module reads the file from the image's layers
and hands its text to the same analysis as a script copied from the build context
(drops-privileges, starts-as-root).

- Which file: the configuration's Entrypoint, looking through init wrappers (`tini --`,
  `dumb-init`) and `sh -c`/`bash script`; a bare name is looked up in the image's PATH; a symlink
  in a layer is followed (a few hops).
- Which layer: the top-most layer that holds the path (or deletes it with a `.wh.` whiteout, or
  hides its folder with an opaque whiteout), read top-down, streamed (gzip or plain tar; zstd is
  not read). Tar entries with absolute or `..` paths are ignored.
- Bounds: layers larger than MAX_LAYER compressed bytes are not downloaded, at most MAX_TOTAL bytes
  and MAX_SECONDS per image, the file itself up to MAX_FILE. What a layer holds for the paths
  asked is cached by layer digest in the cache folder (`layers/`), the manifest's layer list by
  configuration digest: layers never change.
- Only for a configuration the registry gave (now or cached), never for an image the engine built;
  with `--offline` (and in the editor) only what is cached is used, silently.
- A binary (a NUL in its first 8 KB) is a program, not a script: nothing is read from it.
- Every failure (registry, size, time, format) is a warning on the file, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import time

from .record import dataclass

MAX_LAYER = 64 << 20  # compressed bytes of one layer
MAX_TOTAL = 128 << 20  # compressed bytes read for one image's entrypoint
MAX_SECONDS = 20.0
MAX_FILE = 1 << 20
MAX_HOPS = 3  # symlinks followed
WRAPPERS = ("tini", "tini-static", "dumb-init", "catatonit", "docker-init")
SHELLS = ("sh", "bash", "ash", "dash")
_KEY = "layers:base-entrypoint"  # where the answer is kept in the decide context's cache


@dataclass(frozen=True)
class EntryFile:
    path: str  # the file's path in the image (after symlinks)
    named: str  # as the configuration names it
    text: str
    layer: str  # the digest of the layer that holds it
    image: str


class LayerError(Exception):
    pass


class NotCached(LayerError):
    """Offline (the editor, --offline) and not in the cache: no download, and nothing to warn about."""


def script_path(entrypoint: tuple[str, ...]) -> str | None:
    """The script an image Entrypoint runs: through init wrappers and `sh script`; None for a
    shell command line (`sh -c '...'`) or nothing."""
    argv = list(entrypoint)
    while argv and (posixpath.basename(argv[0]) in WRAPPERS or argv[0] == "--"
                    or (argv[0].startswith("-") and len(argv) > 1)):
        argv = argv[1:]
    if not argv:
        return None
    if posixpath.basename(argv[0]) in SHELLS:
        rest = [a for a in argv[1:] if not a.startswith("-")]
        if any(a.startswith("-") and "c" in a for a in argv[1:2]) or not rest:
            return None
        return rest[0]
    return argv[0]


def candidates(prog: str, env: dict) -> list[str]:
    """Where `prog` may be in the image: itself when absolute, else each folder of its PATH."""
    if prog.startswith("/"):
        return [posixpath.normpath(prog)]
    if "/" in prog:  # relative to the working folder: not known here
        return []
    path = env.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return [posixpath.normpath(posixpath.join(d, prog)) for d in path.split(":") if d.startswith("/")]


def base_entrypoint(ctx) -> tuple[EntryFile | None, str | None]:
    """(the base image's entrypoint script, a warning) for a final stage that sets no ENTRYPOINT
    of its own; read once per decide context."""
    if _KEY not in ctx._scripts:
        try:
            ctx._scripts[_KEY] = _find(ctx)
        except Exception as e:  # noqa: BLE001 - a layer we cannot read is a warning, never a crash
            ctx._scripts[_KEY] = (None, f"base image's entrypoint not read from its layers: {e or type(e).__name__}")
    return ctx._scripts[_KEY]


def warnings(ctx) -> list[str]:
    got = ctx._scripts.get(_KEY)
    return [got[1]] if got and got[1] else []


def _find(ctx) -> tuple[EntryFile | None, str | None]:
    from . import facts

    an = ctx.an
    if an.entrypoint is not None:
        return None, None
    info = an.image
    prog = script_path(info.entrypoint)
    resolver = ctx.resolver
    key = facts.lookup_key(an.base_image)
    if not prog or resolver is None or resolver.mode == "off" or key is None:
        return None, None
    paths = candidates(prog, info.env)
    if not paths:
        return None, None
    _, platform, _ = facts.base_of(ctx.stages, getattr(ctx.options, "target", None))
    found = resolver.get(key, platform)
    # only a configuration the registry gave (now or cached): an image the engine built locally
    # has no registry to read its layers from
    if found.config is None or not found.digest or not found.origin.startswith("registry"):
        return None, None
    reader = Reader(resolver, key, platform, found.digest)
    got = reader.find(paths)
    if got is None:
        return None, reader.warning
    path, text, layer = got
    return EntryFile(path, prog, text, layer, an.base_image or key), reader.warning


class Reader:
    """Reads paths from one image's layers, top-down, with the cache and the bounds above."""

    def __init__(self, resolver, image: str, platform: str, config_digest: str):
        self.resolver, self.image, self.platform, self.config_digest = resolver, image, platform, config_digest
        self.root = os.path.join(resolver.cache.root, "layers")
        self.network = resolver.mode == "network"
        self.spent = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.warning: str | None = None
        self._client = None
        self._ref = None

    # --- the cache -------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return os.path.join(self.root, hashlib.sha256(name.encode()).hexdigest() + ".json")

    def _load(self, name: str):
        try:
            with open(self._path(name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def _save(self, name: str, value) -> None:
        try:
            self.resolver.cache._write(self._path(name), json.dumps(value).encode())
        except OSError:
            pass

    # --- the registry ----------------------------------------------------------------------

    def _registry(self):
        from . import registry

        if self._client is None:
            self._client = registry.Client(self.resolver.timeout, self.resolver.mirror, self.resolver.insecure)
            self._ref = registry.parse(self.image)
        return self._client, self._ref

    def _base(self, client, ref) -> str:
        from . import registry

        host = ref.registry if ref.registry != registry.DOCKER_HUB else registry.HUB_HOST
        if ref.registry == registry.DOCKER_HUB and client.mirror:
            host = client.mirror
        return client._base(host)

    def layers(self) -> list[dict]:
        """The image's layer descriptors, bottom first (cached by configuration digest)."""
        name = f"manifest|{self.config_digest}"
        cached = self._load(name)
        if isinstance(cached, list):
            return cached
        if not self.network:
            raise NotCached("its layer list is not cached (offline)")
        from . import registry

        client, ref = self._registry()
        base = self._base(client, ref)
        repo = ref.repository
        body, headers = client._get(f"{base}/v2/{repo}/manifests/{ref.digest or ref.tag}",
                                    registry.INDEX_TYPES + registry.MANIFEST_TYPES, ref.registry, repo)
        doc = registry._json(body, "manifest")
        if doc.get("mediaType") in registry.INDEX_TYPES or "manifests" in doc:
            digest, _ = registry.choose(doc, self.platform)
            body, _ = client._get(f"{base}/v2/{repo}/manifests/{digest}", registry.MANIFEST_TYPES, ref.registry, repo)
            registry._verify(body, digest, "manifest")
            doc = registry._json(body, "manifest")
        cfg = doc.get("config") or {}
        if cfg.get("digest") != self.config_digest:
            raise LayerError("the registry's manifest no longer matches the configuration read (the tag moved)")
        layers = [{"digest": str(x.get("digest", "")), "size": int(x.get("size") or 0),
                   "mediaType": str(x.get("mediaType", ""))} for x in doc.get("layers") or [] if isinstance(x, dict)]
        self._save(name, layers)
        return layers

    def _open_blob(self, digest: str):
        """A streamed response for a blob (the registry's auth flow, as for configurations)."""
        import urllib.error
        import urllib.request

        from . import registry

        client, ref = self._registry()
        url = f"{self._base(client, ref)}/v2/{ref.repository}/blobs/{digest}"
        key = (ref.registry, ref.repository)
        headers = {"User-Agent": "dockerfix"}
        for attempt in (0, 1):
            with client._lock:
                token = client._tokens.get(key)
            if token:
                headers["Authorization"] = token
            try:
                timeout = max(1.0, min(client.timeout, self.deadline - time.monotonic()))
                return client._opener.open(urllib.request.Request(url, headers=headers), timeout=timeout)
            except urllib.error.HTTPError as e:
                if e.code != 401 or attempt:
                    raise LayerError(f"layer {digest[:19]}: {registry._http_error(e)}") from None
                auth = client._answer(e.headers.get("WWW-Authenticate", ""), ref.registry, ref.repository)
                with client._lock:
                    client._tokens[key] = auth
            except (urllib.error.URLError, OSError, ValueError) as e:
                raise LayerError(f"registry unreachable: {getattr(e, 'reason', e)}") from None
        raise LayerError("no answer")

    # --- one layer -------------------------------------------------------------------------

    def scan(self, layer: dict, paths: list[str]) -> dict:
        """What `layer` holds for each of `paths`: {"file": text} | {"link": target} | {"gone": 1};
        paths it does not touch are absent. Cached by layer digest and paths."""
        digest = layer["digest"]
        name = f"layer|{digest}|" + "\n".join(sorted(paths))
        cached = self._load(name)
        if isinstance(cached, dict):
            return cached
        if not self.network:
            raise NotCached("its layers are not cached (offline)")
        kind = layer["mediaType"]
        if "zstd" in kind:
            raise LayerError(f"layer {digest[:19]} is zstd-compressed, which dockerfix does not read")
        if layer["size"] > MAX_LAYER:
            raise LayerError(f"layer {digest[:19]} is {layer['size'] >> 20} MB, more than the {MAX_LAYER >> 20} MB "
                             "dockerfix downloads")
        if self.spent + layer["size"] > MAX_TOTAL:
            raise LayerError(f"reading it would download more than {MAX_TOTAL >> 20} MB")
        if time.monotonic() > self.deadline:
            raise LayerError(f"it took more than {MAX_SECONDS:.0f} s")
        import tarfile
        import zlib

        resp = self._open_blob(digest)
        try:
            stream = _Bounded(resp, min(layer["size"] or MAX_LAYER, MAX_LAYER) + 1024, self.deadline)
            gz = "gzip" in kind or kind.endswith("tar.gzip") or kind.endswith(".diff.tar.gzip")
            result = _scan_tar(stream, gz, paths)
            self.spent += stream.read_bytes
        except (tarfile.TarError, zlib.error, EOFError, OSError) as e:
            raise LayerError(f"layer {digest[:19]} could not be read: {e}") from None
        finally:
            resp.close()
        self._save(name, result)
        return result

    def find(self, paths: list[str]) -> tuple[str, str, str] | None:
        """(path, text, layer digest) of the first of `paths` the merged image holds as a file."""
        try:
            layers = self.layers()
            for _hop in range(MAX_HOPS + 1):
                state: dict[str, tuple[str, str, str]] = {}  # path -> (kind, value, layer)
                for layer in reversed(layers):
                    open_paths = [p for p in paths if p not in state]
                    if not open_paths:
                        break
                    for p, v in self.scan(layer, open_paths).items():
                        if p in open_paths:
                            kind = next(iter(v))
                            state[p] = (kind, v[kind], layer["digest"])
                link = None
                for p in paths:
                    kind, value, layer = state.get(p, ("", "", ""))
                    if kind == "file":
                        return p, value, layer
                    if kind == "binary":
                        return None
                    if kind == "link" and link is None:
                        link = posixpath.normpath(posixpath.join(posixpath.dirname(p), value))
                if link is None:
                    return None
                paths = [link]
            return None
        except NotCached:
            pass
        except LayerError as e:
            self.warning = f"base image {self.image}'s entrypoint not read from its layers: {e}"
        except Exception as e:  # noqa: BLE001 - RegistryError and anything unexpected: a warning
            self.warning = f"base image {self.image}'s entrypoint not read from its layers: {e or type(e).__name__}"
        return None


class _Bounded:
    """A file object over a response that stops after `limit` bytes or past `deadline`."""

    def __init__(self, resp, limit: int, deadline: float):
        self.resp, self.limit, self.deadline, self.read_bytes = resp, limit, deadline, 0

    def read(self, n: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise OSError("the download took too long")
        want = 1 << 16 if n is None or n < 0 else n
        if self.read_bytes + want > self.limit:
            want = self.limit - self.read_bytes
            if want <= 0:
                raise OSError("the layer is larger than its descriptor says")
        data = self.resp.read(want)
        self.read_bytes += len(data)
        return data


def _member_path(name: str) -> str | None:
    """The image path of a tar entry; None for absolute or `..` paths (ignored, never followed)."""
    if name.startswith("/") or "\\" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/" + "/".join(parts)


def _scan_tar(stream, gz: bool, paths: list[str]) -> dict:
    import tarfile

    want = set(paths)
    out: dict[str, dict] = {}
    with tarfile.open(fileobj=stream, mode="r|gz" if gz else "r|") as tar:
        for member in tar:
            path = _member_path(member.name)
            if path is None:
                continue
            folder, base = posixpath.split(path)
            if base == ".wh..wh..opq":  # an opaque folder: what lower layers had in it is hidden
                for p in paths:
                    if posixpath.dirname(p) == folder or p.startswith(folder.rstrip("/") + "/"):
                        out.setdefault(p, {"gone": 1})
                continue
            if base.startswith(".wh."):
                gone = posixpath.join(folder, base[4:])
                for p in paths:
                    if p == gone or p.startswith(gone + "/"):
                        out.setdefault(p, {"gone": 1})
                continue
            if path not in want:
                continue
            if member.issym():
                out[path] = {"link": member.linkname}
            elif member.islnk():
                target = _member_path(member.linkname)
                out[path] = {"link": target} if target else {"gone": 1}
            elif member.isfile():
                f = tar.extractfile(member)
                body = f.read(MAX_FILE) if f else b""
                # a program, not a script: there is nothing to read in it (and a binary's strings
                # would read like commands)
                out[path] = {"binary": 1} if b"\0" in body[:8192] else {"file": body.decode("utf-8", "replace")}
            else:
                out[path] = {"gone": 1}
    return out
