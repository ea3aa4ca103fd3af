"""Reading an image's configuration from its registry (the OCI distribution API), with urllib.

Only what dockerfix needs: resolve a tag (or digest) to the image manifest of one platform, and
fetch its configuration blob (a few KB: User, Entrypoint, Env, history, ...). No layer is ever
downloaded. Handles Docker Hub's name rules (`node` is `docker.io/library/node`, served by
registry-1.docker.io), a mirror for docker.io, anonymous and credentialed bearer tokens from the
`WWW-Authenticate` challenge, basic auth, credentials from Docker's and Podman's auth files and
credential helpers, manifest lists / OCI indexes, and plain HTTP for loopback registries (as Docker
allows by default) or registries configured as insecure.

The standard library's urllib is used on purpose: it covers all of the above, needs no wheel on
any platform and costs ~25 ms of imports, paid only when a lookup actually reaches a registry
(this module is imported lazily, never on the stdin or editor path).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .authfiles import auth_files
from . import recache

DOCKER_HUB = "docker.io"
HUB_HOST = "registry-1.docker.io"
HUB_AUTH_KEY = "https://index.docker.io/v1/"
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
MAX_DOC = 8 << 20  # manifests and configs are KBs; refuse anything absurd


class RegistryError(Exception):
    """A lookup that failed; the message says why in a few words (`registry unreachable: ...`)."""


@dataclass(frozen=True)
class Ref:
    registry: str  # host[:port], docker.io for Docker Hub
    repository: str  # library/node
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        s = f"{self.registry}/{self.repository}"
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s


_RE_NAME = recache.compile(r"^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_RE_TAG = recache.compile(r"^[\w][\w.-]{0,127}$")
_RE_DIGEST = recache.compile(r"^sha256:[a-f0-9]{64}$")


def parse(image: str) -> Ref:
    """Docker's reference rules: a first component with a dot or a port, or `localhost`, is a
    registry; otherwise the image is on Docker Hub, where a one-part name is `library/NAME`."""
    name, at, digest = image.strip().partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    name = name.lower()
    first, _, rest = name.partition("/")
    bad = (not _RE_NAME.match(name) or (tag is not None and not _RE_TAG.match(tag))
           or (at and not _RE_DIGEST.match(digest)))
    if bad:
        raise RegistryError(f"not an image reference: {image!r}")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, name
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in path:
        path = "library/" + path
    if tag is None and not at:
        tag = "latest"
    return Ref(registry, path, tag, digest or None)


def is_loopback(host: str) -> bool:
    h = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    h = h.strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


# --- credentials ------------------------------------------------------------------------------------


def _keys(registry: str) -> list[str]:
    if registry == DOCKER_HUB:
        return [HUB_AUTH_KEY, "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1"]
    return [registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/", f"https://{registry}/v2/"]


def credentials(registry: str, files: list[str] | None = None) -> tuple[str, str] | None:
    """(user, secret) for `registry` from the first auth file that has it: an `auths` entry
    (base64 `auth`, or `username`/`password`, or `identitytoken`) or a credential helper
    (`credHelpers`, `credsStore`) run as `docker-credential-NAME get`."""
    for path in files if files is not None else auth_files():
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        keys = _keys(registry)
        helper = next((data.get("credHelpers", {}).get(k) for k in keys if data.get("credHelpers", {}).get(k)), None)
        auths = data.get("auths") or {}
        for k in keys:
            entry = auths.get(k)
            if isinstance(entry, dict):
                if entry.get("auth"):
                    try:
                        user, _, secret = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
                    except (ValueError, UnicodeDecodeError):
                        continue
                    return user, secret
                if entry.get("username") and entry.get("password"):
                    return entry["username"], entry["password"]
                if entry.get("identitytoken"):
                    return "<token>", entry["identitytoken"]
        helper = helper or data.get("credsStore")
        if helper:
            got = _helper(helper, keys[0])
            if got:
                return got
    return None


def _helper(name: str, server: str) -> tuple[str, str] | None:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return None
    try:
        out = subprocess.run([f"docker-credential-{name}", "get"], input=server.encode(), capture_output=True,
                             timeout=5, check=False)
        if out.returncode != 0:
            return None
        data = json.loads(out.stdout)
        return data["Username"], data["Secret"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None


# --- the client ---------------------------------------------------------------------------------------


class _SameHostRedirect(urllib.request.HTTPRedirectHandler):
    """Blobs are often redirected to a storage host: never send the registry's credentials there."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


_CHALLENGE = recache.compile(r'(\w+)="([^"]*)"')


class Client:
    """Reads configurations; one instance may serve many threads (tokens are shared)."""

    def __init__(self, timeout: float = 5.0, mirror: str | None = None, insecure: tuple[str, ...] = (),
                 files: list[str] | None = None):
        self.timeout = timeout
        self.mirror = mirror.rstrip("/") if mirror else None
        self.insecure = {h.lower() for h in insecure}
        self.files = files
        self._tokens: dict[tuple[str, str], str] = {}
        self._down: dict[str, str] = {}  # host -> why it could not be reached
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(_SameHostRedirect())

    def _base(self, host: str) -> str:
        if "://" in host:
            return host.rstrip("/")
        scheme = "http" if is_loopback(host) or host.lower() in self.insecure else "https"
        return f"{scheme}://{host}"

    def _get(self, url: str, accept: tuple[str, ...], registry: str, repository: str) -> tuple[bytes, dict]:
        """GET with the registry's auth flow: on 401, answer the challenge (bearer token, or
        basic credentials), then retry once."""
        key = (registry, repository)
        headers = {"Accept": ", ".join(accept), "User-Agent": "dockerfix"}
        with self._lock:
            token = self._tokens.get(key)
        if token:
            headers["Authorization"] = token
        try:
            return self._open(url, headers)
        except urllib.error.HTTPError as e:
            if e.code != 401:
                raise RegistryError(_http_error(e)) from None
            challenge = e.headers.get("WWW-Authenticate", "")
        auth = self._answer(challenge, registry, repository)
        headers["Authorization"] = auth
        with self._lock:
            self._tokens[key] = auth
        try:
            return self._open(url, headers)
        except urllib.error.HTTPError as e:
            raise RegistryError(_http_error(e)) from None

    def _open(self, url: str, headers: dict) -> tuple[bytes, dict]:
        host = urllib.parse.urlsplit(url).netloc
        with self._lock:
            down = self._down.get(host)
        if down:  # one unreachable host costs one timeout per run, not one per image
            raise RegistryError(f"registry unreachable: {down}")
        req = urllib.request.Request(url, headers=headers)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                body = resp.read(MAX_DOC + 1)
                if len(body) > MAX_DOC:
                    raise RegistryError(f"answer larger than {MAX_DOC >> 20} MB from {url}")
                return body, dict(resp.headers)
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            with self._lock:
                self._down.setdefault(host, str(reason))
            raise RegistryError(f"registry unreachable: {reason}") from None

    def _answer(self, challenge: str, registry: str, repository: str) -> str:
        scheme, _, params = challenge.partition(" ")
        creds = credentials(registry, self.files)
        if scheme.lower() == "basic":
            if not creds:
                raise RegistryError(f"{registry} needs credentials (none in {', '.join(auth_files())})")
            return "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        if scheme.lower() != "bearer":
            raise RegistryError(f"{registry}: unsupported authentication {scheme or '(none)'}")
        fields = dict(_CHALLENGE.findall(params))
        realm = fields.get("realm")
        if not realm or urllib.parse.urlsplit(realm).scheme not in ("http", "https"):
            raise RegistryError(f"{registry}: bearer challenge without a usable realm")
        query = {"scope": fields.get("scope") or f"repository:{repository}:pull"}
        if fields.get("service"):
            query["service"] = fields["service"]
        headers = {"User-Agent": "dockerfix"}
        if creds and creds[0] != "<token>":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        try:
            body, _ = self._open(realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query), headers)
            data = json.loads(body)
            token = data.get("token") or data.get("access_token")
        except urllib.error.HTTPError as e:
            raise RegistryError(f"token server refused: {_http_error(e)}") from None
        except (ValueError, AttributeError):
            token = None
        if not token or not isinstance(token, str):
            raise RegistryError(f"{registry}: the token server gave no token")
        return "Bearer " + token

    def config(self, ref: Ref, platform: str) -> tuple[str, bytes, str]:
        """(config digest, config bytes, note) of `ref` for `platform` ("os/arch[/variant]"); the
        note says which platform of a manifest list was chosen. Raises RegistryError."""
        hosts = [self._base(ref.registry if ref.registry != DOCKER_HUB else HUB_HOST)]
        if ref.registry == DOCKER_HUB and self.mirror:
            hosts.insert(0, self._base(self.mirror))
        errors = []
        for base in hosts:
            try:
                return self._config(base, ref, platform)
            except RegistryError as e:
                errors.append(str(e))
        raise RegistryError("; ".join(errors))

    def _config(self, base: str, ref: Ref, platform: str) -> tuple[str, bytes, str]:
        repo = ref.repository
        accept = INDEX_TYPES + MANIFEST_TYPES
        body, headers = self._get(f"{base}/v2/{repo}/manifests/{ref.digest or ref.tag}", accept, ref.registry, repo)
        if ref.digest:
            _verify(body, ref.digest, "manifest")
        doc = _json(body, "manifest")
        kind = doc.get("mediaType") or headers.get("Content-Type", "")
        note = ""
        if kind in INDEX_TYPES or "manifests" in doc:
            digest, note = choose(doc, platform)
            body, _ = self._get(f"{base}/v2/{repo}/manifests/{digest}", MANIFEST_TYPES, ref.registry, repo)
            _verify(body, digest, "manifest")
            doc = _json(body, "manifest")
        cfg = doc.get("config")
        if not isinstance(cfg, dict) or not isinstance(cfg.get("digest"), str):
            raise RegistryError("manifest has no config (a schema 1 image?)")
        digest = cfg["digest"]
        blob, _ = self._get(f"{base}/v2/{repo}/blobs/{digest}", ("*/*",), ref.registry, repo)
        _verify(blob, digest, "config")
        return digest, blob, note


def choose(index: dict, platform: str) -> tuple[str, str]:
    """(manifest digest, note) of `platform` in a manifest list / OCI index."""
    want = platform.split("/")
    found = []
    for m in index.get("manifests") or []:
        p = m.get("platform") or {}
        have = [p.get("os", ""), p.get("architecture", ""), p.get("variant", "")]
        found.append("/".join(x for x in have if x))
        if have[:2] == want[:2] and (len(want) < 3 or have[2] == want[2]):
            return m["digest"], f"{platform} of {len(index['manifests'])} platforms"
    listed = ", ".join(f for f in found if f and not f.startswith("unknown")) or "none"
    raise RegistryError(f"no {platform} image in the manifest list (it has {listed})")


def _verify(body: bytes, digest: str, what: str) -> None:
    algo, _, hexdigest = digest.partition(":")
    if algo != "sha256" or hashlib.sha256(body).hexdigest() != hexdigest.lower():
        raise RegistryError(f"{what} does not match its digest {digest}")


def _json(body: bytes, what: str) -> dict:
    try:
        doc = json.loads(body)
    except ValueError:
        raise RegistryError(f"{what} is not JSON") from None
    if not isinstance(doc, dict):
        raise RegistryError(f"{what} is not a JSON object")
    return doc


def _http_error(e: urllib.error.HTTPError) -> str:
    if e.code == 404:
        return "not found (404)"
    if e.code in (401, 403):
        return f"access denied ({e.code})"
    return f"HTTP {e.code} from {urllib.parse.urlsplit(e.url or '').netloc or 'the registry'}"
