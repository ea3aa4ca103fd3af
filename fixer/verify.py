"""`--verify`: prove a fix by building and starting the original and the fixed image.

With a local engine (docker, podman or buildah) both Dockerfiles are built from the same build
context under unique tags (`localhost/dockerfix-verify:<random>-original` / `-fixed`), each image
is started the way it starts (its ENTRYPOINT + CMD, its USER, the `--verify-env` variables), and
the outcomes are compared:

- the original exits 0: the fixed one must exit 0 too (it gets twice `--verify-seconds`);
- the original answers on an EXPOSEd TCP port within `--verify-seconds`: the fixed one must
  answer on that port within the same time;
- the original still runs after `--verify-seconds`: the fixed one must still run then;
- `id -u` in the fixed image (as its USER) must not be 0.

An original that fails (does not build, exits non-zero, has nothing to start) proves nothing:
the file is `unverified`, an error. A fixed image that does not build or fails where the original
worked is `refuted`. Only `verified` fixes are printed or written. Every engine call has a time
limit; containers and both images are removed afterwards, nothing is pushed.

docker and podman publish each EXPOSEd port on 127.0.0.1 (`run -d -p 127.0.0.1::PORT`); buildah
has no port publishing, so `buildah run --network host` runs the program in the host's network
and the port is tried on 127.0.0.1 itself (it must be free before the program starts). A port
"answers" when a connection is accepted and not closed at once without a byte (what a proxy that
cannot reach the program does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field

from .errors import DockerfixError
from . import recache

ENGINES = ("docker", "podman", "buildah")
BUILD_SECONDS = 1200  # one image build
STEP_SECONDS = 120  # any other engine call: inspect, run -d, from, rm, rmi, id -u
STOP_SECONDS = 10  # from SIGTERM to SIGKILL
EXCERPT_LINES = (4, 6)  # an error excerpt: its first and its last lines
ENV_NAME = recache.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class VerifyError(DockerfixError):
    """`--verify` cannot run at all (no engine, bad options): exit 2 before any file."""


class StepFailed(Exception):
    """An engine call that failed or ran out of time: what it was, and an excerpt of its output."""

    def __init__(self, what: str, output: str):
        super().__init__(what)
        self.what = what
        self.output = output


@dataclass
class Settings:
    engine: str  # "" with --context alone: nothing is built
    env: tuple[str, ...] = ()
    seconds: int = 5
    context: str | None = None  # None: the Dockerfile's folder
    probes: tuple[str, ...] = ()  # --verify-probe: commands run inside the running container


def settings(engine: str | None, env, seconds: int | None, context: str | None, choose: bool = True,
             probes=()) -> Settings:
    """Check the --verify options and pick the engine (`choose`); VerifyError says what is wrong."""
    for probe in probes:
        if not probe.strip() or "\0" in probe:
            raise VerifyError(f"--verify-probe {probe!r}: expected a shell command")
    for item in env:
        name, eq, _ = item.partition("=")
        if not eq or not ENV_NAME.match(name):
            raise VerifyError(f"--verify-env {item!r}: expected KEY=VALUE")
    if seconds is not None and not 1 <= seconds <= 600:
        raise VerifyError("--verify-seconds must be between 1 and 600")
    if context is not None and not os.path.isdir(context):
        raise VerifyError(f"--context {context}: not a folder")
    return Settings(choose_engine(engine) if choose else "", tuple(env), 5 if seconds is None else seconds,
                    None if context is None else os.path.abspath(context), tuple(probes))


def choose_engine(name: str | None) -> str:
    """The engine named by --engine (it must be on PATH), else the first of docker (when its
    daemon answers), podman and buildah on PATH."""
    if name is not None:
        if name not in ENGINES:
            raise VerifyError(f"--engine {name}: expected one of {', '.join(ENGINES)}")
        if shutil.which(name) is None:
            raise VerifyError(f"--engine {name}: {name} is not on PATH")
        return name
    for engine in ENGINES:
        if shutil.which(engine) is None:
            continue
        if engine == "docker" and not _docker_answers():
            continue
        return engine
    raise VerifyError("--verify needs docker (with its daemon running), podman or buildah on PATH; none found")


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True,
                              timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def excerpt(text: str) -> str:
    """The first and last lines of a program's output (all of it when short)."""
    lines = [line.rstrip() for line in text.strip("\r\n").splitlines()]
    head, tail = EXCERPT_LINES
    if len(lines) > head + tail:
        lines = lines[:head] + [f"[… {len(lines) - head - tail} lines …]"] + lines[-tail:]
    return "\n".join(lines)


def _call(argv: list[str], what: str, timeout: float = STEP_SECONDS) -> str:
    """Run an engine command; its stdout, or StepFailed with its output."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace")
        raise StepFailed(f"{what}: no result after {timeout:.0f} s", out) from None
    except OSError as e:
        raise StepFailed(f"{what}: {e}", "") from None
    if r.returncode != 0:
        raise StepFailed(f"{what} failed (exit {r.returncode})", r.stdout + r.stderr)
    return r.stdout


@dataclass
class Outcome:
    """How a started image behaved: it exited (with `code`), answered on `port`, or still ran."""

    state: str  # "exited", "answers" or "running"
    seconds: float
    code: int | None = None
    port: int | None = None
    output: str = ""
    changes: list = field(default_factory=list)  # verify_writes.compare/parse_diff rows
    writes: list = field(default_factory=list)  # (kind, path): the write set
    probes: list = field(default_factory=list)  # (command, exit code)
    workdir: str = "/"

    def text(self, limit: float) -> str:
        if self.state == "exited":
            return f"exits {self.code}"
        if self.state == "answers":
            return f"answers on :{self.port}"
        return f"still runs after {limit:g} s"

    def as_json(self) -> dict:
        return {"state": self.state, "exit_code": self.code, "port": self.port, "seconds": round(self.seconds, 1)}


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.settimeout(0.3)
            try:
                return s.recv(1) != b""  # a byte (a banner), or closed at once: a proxy with nobody behind
            except socket.timeout:
                return True  # open, waiting for a request
            except OSError:
                return False
    except OSError:
        return False


class Engine:
    """What --verify needs of an engine. `start` returns a handle for `state`, `address`, `stop`."""

    name = ""

    def build(self, dockerfile: str, context: str, tag: str, target: str | None) -> None:
        stage = ["--target", target] if target else []
        _call([self.name, "build", "-q", *stage, "-f", dockerfile, "-t", tag, context], f"{self.name} build",
              BUILD_SECONDS)

    def remove(self, tag: str) -> None:
        try:
            _call([self.name, "rmi", "-f", tag], f"{self.name} rmi")
        except StepFailed:
            pass


class Docker(Engine):
    """docker and podman: the same commands."""

    def __init__(self, name: str):
        self.name = name
        self.changes: dict = {}  # container -> what it changed (`diff`), read when it is stopped

    def config(self, tag: str) -> dict:
        return json.loads(_call([self.name, "image", "inspect", tag], f"{self.name} image inspect"))[0]["Config"]

    def start(self, tag: str, argv: list[str], env, ports: list[int]):
        opts = [f"--env={e}" for e in env] + [f"--publish=127.0.0.1::{p}/tcp" for p in ports]
        return _call([self.name, "run", "-d", *opts, tag], f"{self.name} run").strip()

    def state(self, c) -> int | None:
        out = _call([self.name, "inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", c],
                    f"{self.name} inspect").split()
        return None if out[0] == "true" else int(out[1])

    def address(self, c, port: int) -> tuple[str, int] | None:
        try:
            out = _call([self.name, "port", c, f"{port}/tcp"], f"{self.name} port")
        except StepFailed:
            return None
        host, _, p = out.strip().splitlines()[0].rpartition(":") if out.strip() else ("", "", "")
        return (host.strip("[]") or "127.0.0.1", int(p)) if p.isdigit() else None

    def probe(self, c, command: str, env) -> tuple[int, str]:
        r = subprocess.run([self.name, "exec", *[f"--env={e}" for e in env], c, "/bin/sh", "-c", command],
                           capture_output=True, text=True, errors="replace", timeout=STEP_SECONDS,
                           stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def stop(self, c) -> str:
        from . import verify_writes

        try:  # SIGTERM, then SIGKILL after the grace period, as `docker stop` does
            _call([self.name, "stop", "-t", str(STOP_SECONDS), c], f"{self.name} stop", STEP_SECONDS + STOP_SECONDS)
        except StepFailed:
            pass
        try:
            self.changes[c] = verify_writes.parse_diff(_call([self.name, "diff", c], f"{self.name} diff"))
        except StepFailed:
            self.changes[c] = None
        try:
            r = subprocess.run([self.name, "logs", c], capture_output=True, text=True, errors="replace",
                               timeout=STEP_SECONDS)
            logs = r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            logs = ""
        try:
            _call([self.name, "rm", "-f", c], f"{self.name} rm")
        except StepFailed:
            pass
        return logs

    def uid(self, tag: str, c) -> str:
        return _call([self.name, "run", "--rm", "--entrypoint", "id", tag, "-u"], "id -u")


@dataclass
class _Process:
    container: str
    proc: subprocess.Popen
    log: object
    ports: list[int] = field(default_factory=list)
    root: str | None = None  # the working container's root file system (`buildah mount`)
    before: dict | None = None  # verify_writes.snapshot of it before the program started
    changes: list | None = None
    env: tuple = ()


class Buildah(Engine):
    """buildah: `bud`, then `from` + `run --network host` in the background (BUILDAH_ISOLATION and
    the user's buildah configuration apply as usual)."""

    name = "buildah"
    NOISE = recache.compile(r"^(subprocess exited (with status \d+|on \w+)|Error: exit status \d+)$")

    def build(self, dockerfile: str, context: str, tag: str, target: str | None) -> None:
        stage = ["--target", target] if target else []
        _call(["buildah", "bud", "-q", *stage, "-f", dockerfile, "-t", tag, context], "buildah bud", BUILD_SECONDS)

    def config(self, tag: str) -> dict:
        return json.loads(_call(["buildah", "inspect", "--type", "image", tag], "buildah inspect"))["OCIv1"]["config"]

    def start(self, tag: str, argv: list[str], env, ports: list[int]):
        for p in ports:
            if answers("127.0.0.1", p):
                raise StepFailed(f"port {p} already answers on this machine (buildah runs the image in the "
                                 "host's network)", "")
        from . import verify_writes

        c = _call(["buildah", "from", tag], "buildah from").strip().splitlines()[-1]
        root = before = None
        try:
            root = _call(["buildah", "mount", c], "buildah mount").strip().splitlines()[-1]
            before = verify_writes.snapshot(root) if os.path.isdir(root) else None
        except (StepFailed, IndexError):
            root = None
        log = tempfile.TemporaryFile()
        opts = [f"--env={e}" for e in env]
        proc = subprocess.Popen(["buildah", "run", "--network", "host", *opts, c, "--", *argv],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        return _Process(c, proc, log, ports, root, before, None, tuple(env))

    def probe(self, h: _Process, command: str, env) -> tuple[int, str]:
        r = subprocess.run(["buildah", "run", "--network", "host", *[f"--env={e}" for e in env], h.container, "--",
                            "/bin/sh", "-c", command], capture_output=True, text=True, errors="replace",
                           timeout=STEP_SECONDS, stdin=subprocess.DEVNULL)
        out = "\n".join(line for line in (r.stdout + r.stderr).splitlines() if not self.NOISE.match(line))
        return r.returncode, out

    def state(self, h: _Process) -> int | None:
        return h.proc.poll()

    def address(self, h: _Process, port: int) -> tuple[str, int]:
        return ("127.0.0.1", port)

    def stop(self, h: _Process) -> str:
        if h.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
                try:
                    os.killpg(h.proc.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    h.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for p in h.ports:  # the next run needs the port
            deadline = time.monotonic() + STOP_SECONDS
            while answers("127.0.0.1", p) and time.monotonic() < deadline:
                time.sleep(0.2)
        h.log.seek(0)
        out = h.log.read().decode(errors="replace")
        h.log.close()
        if h.root is not None and h.before is not None:
            from . import verify_writes

            h.changes = verify_writes.compare(h.before, verify_writes.snapshot(h.root))
        try:
            _call(["buildah", "rm", h.container], "buildah rm")
        except StepFailed:
            pass
        return "\n".join(line for line in out.splitlines() if not self.NOISE.match(line))

    def uid(self, tag: str, h: _Process) -> str:
        return _call(["buildah", "run", h.container, "--", "id", "-u"], "id -u")


def changes_of(eng: Engine, handle) -> list | None:
    """What the stopped container changed (verify_writes rows), or None when it could not be read."""
    return handle.changes if isinstance(handle, _Process) else getattr(eng, "changes", {}).get(handle)


def engine(name: str) -> Engine:
    return Buildah() if name == "buildah" else Docker(name)


def observe(eng: Engine, handle, ports: list[int], limit: float) -> Outcome:
    """Watch a started image until it exits, answers on one of `ports`, or `limit` seconds pass."""
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        code = eng.state(handle)
        if code is not None:
            return Outcome("exited", elapsed, code=code)
        for p in ports:
            where = eng.address(handle, p)
            if where and answers(*where):
                return Outcome("answers", elapsed, port=p)
        if elapsed >= limit:
            return Outcome("running", elapsed)
        time.sleep(0.2)


def check(path: str, original: bytes, fixed: bytes, s: Settings, context: str | None = None,
          target: str | None = None, refix=None) -> dict:
    """Build (the stage `target`, else the last) and start both images; the `verify` object of
    the file's report. Its `verdict` is `verified`, `refuted` (the fix breaks what worked) or
    `unverified` (nothing to compare).

    Each image is also exercised (a GET / on each EXPOSEd port, the --verify-probe commands) and
    stopped, and what it wrote is read (fixer/verify_writes.py): the fixed image must write what
    the original wrote, and print no "Permission denied". When it does not and `refix` is given
    (`refix(folders, files, workdir) -> bytes`: the fix again, handing those paths to the user,
    and with `workdir` a working folder of its own), the learnt paths are handed over, the fixed
    image is built and run again once, and `fixed_text` holds the Dockerfile that was proven."""
    from . import verify_writes as vw

    eng = engine(s.engine)
    context = context or s.context or os.path.dirname(os.path.abspath(path))
    tag = f"localhost/dockerfix-verify:{uuid.uuid4().hex[:12]}"
    result: dict = {"engine": s.engine, "context": context, "seconds": s.seconds, "built": [],
                    "original": None, "fixed": None, "uid": None, "verdict": "unverified", "reason": "",
                    "error": None, "times": {}, "writes": None}
    times = result["times"]
    started = time.monotonic()

    def timed(key: str, fn, *args):
        t = time.monotonic()
        try:
            return fn(*args)
        finally:
            times[key] = round(time.monotonic() - t, 1)

    def run(which: str, ports: list[int], limit: float, want_uid: bool = False):
        cfg = eng.config(f"{tag}-{which}")
        argv = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
        if not argv:
            raise StepFailed(f"the {which} image has neither ENTRYPOINT nor CMD: nothing to start", "")
        handle = eng.start(f"{tag}-{which}", argv, s.env, ports)
        uid = None
        probes: list = []
        probe_out = ""
        try:
            outcome = observe(eng, handle, ports, limit)
            if want_uid:
                try:
                    uid = eng.uid(f"{tag}-{which}", handle).strip().splitlines()[-1]
                except (StepFailed, IndexError):
                    user = (cfg.get("User") or "").split(":")[0]
                    uid = user if user.isdigit() else None  # no `id` in the image: a numeric USER says it
            if outcome.state != "exited":  # exercise it: a request on each port, then the probes
                for p in _ports(cfg):
                    where = eng.address(handle, p)
                    if where:
                        _get(*where)
                for command in s.probes:
                    try:
                        code, out = eng.probe(handle, command, s.env)
                    except (OSError, subprocess.TimeoutExpired):
                        code, out = -1, f"--verify-probe {command}: no result after {STEP_SECONDS} s"
                    probes.append((command, code))
                    probe_out += f"$ {command}\n{out}\n" if out.strip() else ""
                time.sleep(1)  # what the requests made it do
        finally:
            output = eng.stop(handle)
        outcome.output = output + ("\n" + probe_out if probe_out else "")
        outcome.probes = probes
        outcome.workdir = cfg.get("WorkingDir") or "/"
        changes = changes_of(eng, handle)
        outcome.changes = changes if changes is not None else []
        outcome.writes = vw.write_set(outcome.changes) if changes is not None else []
        return outcome, uid

    def compare(orig, new, limit) -> tuple[str, str] | None:
        """(verdict, reason) when the fixed run does not do what the original did, else None."""
        if (new.state, new.code, new.port) != (orig.state, orig.code, orig.port):
            return "refuted", f"the fixed image {new.text(limit)} where the original {orig.text(s.seconds)}"
        for (command, want), (_, got) in zip(orig.probes, new.probes):
            if want != got:
                return "refuted", f"--verify-probe {command!r} exits {got} in the fixed image where it exits {want}"
        gone = vw.missing(orig.writes, new.writes, orig.changes, orig.workdir, new.workdir)
        if gone:
            return "refuted", (f"the fixed image does not write {', '.join(gone)}, which the original writes")
        line = vw.denied(new.output)
        if line and not vw.denied(orig.output):
            return "refuted", f"the fixed image's output says a write was refused: {line}"
        return None

    with tempfile.TemporaryDirectory(prefix="dockerfix-verify-") as tmp:
        files = {}

        def dockerfile(which: str, text: bytes) -> str:
            os.makedirs(os.path.join(tmp, which), exist_ok=True)
            name = os.path.basename(path) if path != "-" else ""  # stdin without --stdin-filename
            files[which] = os.path.join(tmp, which, name or "Dockerfile")
            with open(files[which], "wb") as f:
                f.write(text)
            ignore = os.path.abspath(path) + ".dockerignore"  # BuildKit reads it beside the Dockerfile
            if os.path.isfile(ignore):
                shutil.copy(ignore, files[which] + ".dockerignore")
            return files[which]

        for which, text in (("original", original), ("fixed", fixed)):
            dockerfile(which, text)
        try:
            try:
                timed("build_original", eng.build, files["original"], context, f"{tag}-original", target)
            except StepFailed as e:
                return _end(result, started, "unverified", f"the original does not build: {e.what}", e.output)
            result["built"].append(f"{tag}-original")
            try:
                timed("build_fixed", eng.build, files["fixed"], context, f"{tag}-fixed", target)
            except StepFailed as e:
                return _end(result, started, "refuted", f"the fixed Dockerfile does not build: {e.what}", e.output)
            result["built"].append(f"{tag}-fixed")
            ports = _ports(eng.config(f"{tag}-original"))
            try:
                orig, _ = timed("run_original", run, "original", ports, s.seconds)
            except StepFailed as e:
                return _end(result, started, "unverified", f"the original could not be started: {e.what}", e.output)
            result["original"] = orig.as_json()
            writes = result["writes"] = {"original": [p for _, p in orig.writes], "fixed": [], "learnt": [],
                                         "refused": [], "probes": [c for c, _ in orig.probes]}
            if orig.state == "exited" and orig.code != 0:
                return _end(result, started, "unverified",
                            f"the original {orig.text(s.seconds)}: nothing to compare (--verify-env gives it "
                            "variables it needs)", orig.output)
            limit = 2 * s.seconds if orig.state == "exited" else s.seconds
            want = [orig.port] if orig.state == "answers" else []
            try:
                new, uid = timed("run_fixed", run, "fixed", want, limit, True)
            except StepFailed as e:
                return _end(result, started, "refuted", f"the fixed image could not be started: {e.what}", e.output)
            failed = compare(orig, new, limit)
            if failed and refix is not None and orig.writes:
                # hand what the original wrote to the user, and try once more
                learnt = [(k, vw.mapped(p, k, orig.changes, orig.workdir, new.workdir)) for k, p in orig.writes]
                moved = [q for (k, p), (_, q) in zip(orig.writes, learnt) if p != q]
                folders, paths, refused = vw.handover([(k, p) for (k, p), (_, q) in zip(orig.writes, learnt)
                                                       if p == q], orig.changes)
                folders += [new.workdir for _ in moved[:1] if new.workdir != "/"]
                workdir = any(t == "/" for _, t, _ in refused) and new.workdir == "/"
                refused = [r for r in refused if not (workdir and r[1] == "/")]
                writes["refused"] = [{"path": p, "folder": t, "why": why} for p, t, why in refused]
                text = refix(folders, paths, workdir) if (folders or paths or workdir) else None
                if text is not None and text != fixed:
                    writes["learnt"] = folders + paths + (["WORKDIR (the user's home)"] if workdir else [])
                    dockerfile("fixed2", text)
                    try:
                        timed("build_learnt", eng.build, files["fixed2"], context, f"{tag}-fixed2", target)
                    except StepFailed as e:
                        return _end(result, started, "refuted", "the fixed Dockerfile, with what the original "
                                    f"writes handed to the user, does not build: {e.what}", e.output)
                    result["built"].append(f"{tag}-fixed2")
                    try:
                        new, uid = timed("run_learnt", run, "fixed2", want, limit, True)
                    except StepFailed as e:
                        return _end(result, started, "refuted", f"the fixed image could not be started: {e.what}",
                                    e.output)
                    result["fixed_text"] = text
                    if workdir:  # the working folder the fix gave it
                        writes["learnt"][-1] = f"WORKDIR {new.workdir}"
                    failed = compare(orig, new, limit)
            result["fixed"] = new.as_json()
            writes["fixed"] = [p for _, p in new.writes]
            result["uid"] = int(uid) if uid and uid.isdigit() else None
            if failed:
                reason = failed[1]
                for r in writes["refused"]:
                    what = r["path"] if r["folder"] == r["path"] else f"its folder {r['folder']}"
                    reason += f"; the original writes {r['path']}, and {what} {r['why']}: not handed to the user"
                return _end(result, started, failed[0], reason, new.output)
            if result["uid"] is None:
                return _end(result, started, "unverified", "`id -u` could not be run in the fixed image and its "
                            "USER is not numeric", new.output)
            if result["uid"] == 0:
                return _end(result, started, "refuted", "the fixed image still runs as uid 0", new.output)
            said = f"built both images; the fixed one starts as {uid} and {new.text(limit)} like the original"
            if writes["fixed"]:
                said += f", and writes {', '.join(writes['fixed'])}"
                elsewhere = [p for k, p in orig.writes if vw.mapped(p, k, orig.changes, orig.workdir, new.workdir) != p]
                if elsewhere:
                    said += f" (the original: {', '.join(elsewhere)}, in its working folder {orig.workdir})"
                if writes["learnt"]:
                    said += f" (learnt from the original's run: handed {', '.join(writes['learnt'])} to the user)"
            return _end(result, started, "verified", said)
        except StepFailed as e:
            return _end(result, started, "unverified", e.what, e.output)
        finally:
            for t in result["built"]:
                eng.remove(t)


def _get(host: str, port: int) -> None:
    """GET / on a port, answered or not (what a first visitor does)."""
    try:
        with socket.create_connection((host, port), timeout=2) as c:
            c.sendall(f"GET / HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode())
            c.settimeout(2)
            c.recv(4096)
    except OSError:
        pass


def _ports(cfg: dict) -> list[int]:
    out = []
    for key in cfg.get("ExposedPorts") or {}:
        port, _, proto = key.partition("/")
        if proto in ("", "tcp") and port.isdigit():
            out.append(int(port))
    return sorted(out)


def _end(result: dict, started: float, verdict: str, reason: str, output: str = "") -> dict:
    result["verdict"] = verdict
    result["reason"] = reason
    result["error"] = (excerpt(output) or None) if verdict != "verified" else None
    result["times"]["total"] = round(time.monotonic() - started, 1)
    return result
