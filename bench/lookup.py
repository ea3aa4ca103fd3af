"""Time base-image look-ups: 50 Dockerfiles sharing 10 images, served by a local docker-registry.

    python bench/lookup.py [--files 50] [--images 10]

Starts Debian's docker-registry on a free loopback port (its own storage; needs docker-registry
and skopeo), pushes the images (OCI layouts written by tests/oci.py), writes the Dockerfiles, then
runs `dockerfix --check` over the folder three times, each in a new process: with an empty cache
(first run: one registry request chain per distinct image, concurrently), with the cache filled
(cached run: no network), and with --offline. Prints the wall times and the registry's request
count per run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import oci  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--images", type=int, default=10)
    args = ap.parse_args()
    if oci.MISSING:
        print(f"needs {', '.join(oci.MISSING)}: apt-get install docker-registry skopeo", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        reg = oci.Registry(os.path.join(tmp, "reg"))
        # count requests from the registry's access log
        import json

        with open(reg.config) as f:
            cfg = json.load(f)
        cfg["log"] = {"level": "info", "accesslog": {"disabled": False}}
        with open(reg.config, "w") as f:
            json.dump(cfg, f)
        reg.start()
        try:
            refs = []
            for i in range(args.images):
                lay = os.path.join(tmp, f"img{i}")
                user = "1001" if i % 2 else ""
                tag = oci.layout(lay, "1", [oci.image(lay, user=user, history=["RUN /bin/sh -c apk add curl # buildkit"])])
                del tag
                oci.push(lay, "1", f"{reg.host}/bench/img{i}:1")
                refs.append(f"{reg.host}/bench/img{i}:1")
            files = os.path.join(tmp, "files")
            for n in range(args.files):
                d = os.path.join(files, f"app{n}")
                os.makedirs(d)
                with open(os.path.join(d, "Dockerfile"), "w") as f:
                    f.write(f"FROM {refs[n % len(refs)]}\nRUN mkdir -p /opt/app{n}\nCOPY . /opt/app{n}\n")
            env = {**os.environ, "XDG_CACHE_HOME": os.path.join(tmp, "cache"), "PYTHONPATH": ROOT}
            env.pop("DOCKERFIX_LOOKUP", None)
            env.pop("DOCKERFIX_OFFLINE", None)
            log = os.path.join(reg.folder, "registry.log")
            for label, extra in (("first run (empty cache)", []), ("cached run", []), ("--offline", ["--offline"])):
                before = _requests(log)
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "fixer", "--check", "-v", files, *extra], env=env,
                                      capture_output=True, text=True)
                took = time.perf_counter() - start
                summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
                print(f"{label:26} {took * 1000:7.0f} ms  {_requests(log) - before:4d} registry requests  {summary}")
            start = time.perf_counter()
            env["DOCKERFIX_LOOKUP"] = "off"
            subprocess.run([sys.executable, "-m", "fixer", "--check", files], env=env, capture_output=True)
            print(f"{'no look-up (LOOKUP=off)':26} {(time.perf_counter() - start) * 1000:7.0f} ms")
        finally:
            reg.stop()
    return 0


def _requests(log: str) -> int:
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if '"GET /v2/' in line)
    except OSError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
