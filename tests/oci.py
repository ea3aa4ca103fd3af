"""Real registries for the look-up tests: OCI image layouts written here, Debian's docker-registry
on a free loopback port (its own storage and config, never the system service), skopeo to push,
and a tiny bearer-token server signed with openssl."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import urllib.request

MISSING = [t for t in ("docker-registry", "skopeo") if shutil.which(t) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _blob(root: str, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, digest), "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layer(name: str) -> tuple[bytes, str]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        body = f"#!/bin/true {name}\n".encode()
        info = tarfile.TarInfo(f"bin/{name}")
        info.size, info.mode, info.mtime = len(body), 0o755, 0
        tar.addfile(info, io.BytesIO(body))
    data = raw.getvalue()
    return gzip.compress(data, mtime=0), "sha256:" + hashlib.sha256(data).hexdigest()


def image(root: str, *, user: str = "", entrypoint=None, cmd=None, env=(), volumes=(), history=(),
          os_: str = "linux", arch: str = "amd64", workdir: str = "") -> dict:
    """Write one image (config, a tiny layer, manifest) into the layout at `root`; the manifest's
    descriptor."""
    layer, diff_id = _layer(f"app-{arch}")
    config = {
        "architecture": arch, "os": os_,
        "config": {"User": user, "Env": list(env) or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Entrypoint": entrypoint, "Cmd": cmd, "WorkingDir": workdir,
                   "Volumes": {v: {} for v in volumes} or None},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": h, **({"empty_layer": True} if i else {})} for i, h in enumerate(history)],
    }
    cfg = _blob(root, json.dumps(config).encode())
    lay = _blob(root, layer)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cfg},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **lay}]}
    desc = _blob(root, json.dumps(manifest).encode())
    return {"mediaType": manifest["mediaType"], **desc, "platform": {"os": os_, "architecture": arch}}


def layout(root: str, tag: str, manifests: list[dict]) -> str:
    """Finish the layout: one manifest, or an index of several (a multi-platform image); returns
    the digest of what the tag names."""
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    if len(manifests) == 1:
        top = dict(manifests[0])
        top.pop("platform")
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
        top = {"mediaType": index["mediaType"], **_blob(root, json.dumps(index).encode())}
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    return top["digest"]


def push(root: str, tag: str, dest: str, creds: str | None = None) -> None:
    cmd = ["skopeo", "--insecure-policy", "copy", "--all", "--quiet", "--dest-tls-verify=false",
           f"oci:{root}:{tag}", f"docker://{dest}"]
    if creds:
        cmd[4:4] = ["--dest-creds", creds]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


class Registry:
    """docker-registry serving 127.0.0.1:PORT from `folder`, with `auth` (a config fragment)."""

    def __init__(self, folder: str, auth: dict | None = None):
        self.folder = folder
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        os.makedirs(os.path.join(folder, "storage"), exist_ok=True)
        config = {
            "version": 0.1, "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": os.path.join(folder, "storage")}},
            "http": {"addr": self.host},
        }
        if auth:
            config["auth"] = auth
        self.config = os.path.join(folder, "config.yml")
        with open(self.config, "w") as f:
            json.dump(config, f)  # JSON is YAML
        self.proc = None
        self.requests = 0

    def start(self) -> "Registry":
        with open(os.path.join(self.folder, "registry.log"), "ab") as log:
            self.proc = subprocess.Popen(["docker-registry", "serve", self.config], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 401: up, and asking for credentials
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(open(os.path.join(self.folder, "registry.log")).read())
                time.sleep(0.1)
        raise RuntimeError("docker-registry did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """GET /token?service=...&scope=... -> {"token": JWT}, RS256-signed by openssl with a
    self-signed certificate that the registry trusts (`rootcertbundle`)."""

    def __init__(self, folder: str, service: str = "dockerfix-test", issuer: str = "dockerfix-token"):
        self.key = os.path.join(folder, "token.key")
        self.cert = os.path.join(folder, "token.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
                        "-out", self.cert, "-days", "2", "-subj", "/CN=dockerfix-token"],
                       check=True, capture_output=True, timeout=60)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.service, self.issuer = service, issuer
        self.port = free_port()
        self.asked: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                from urllib.parse import parse_qs, urlsplit

                q = parse_qs(urlsplit(self.path).query)
                server.asked.append(self.path)
                scope = q.get("scope", [""])[0]
                body = json.dumps({"token": server.sign(scope)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def sign(self, scope: str) -> str:
        access = []
        parts = scope.split(":")
        if len(parts) == 3:
            access.append({"type": parts[0], "name": parts[1], "actions": parts[2].split(",")})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": "", "aud": self.service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": str(now), "access": access}
        signing = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing.encode(),
                             check=True, capture_output=True).stdout
        return f"{signing}.{b64url(sig)}"

    def start(self) -> "TokenServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
