"""Base-image facts from the image's own configuration: a real docker-registry on loopback, images
written as OCI layouts here and pushed with skopeo, a real token server, podman with a test store."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

import oci
from fixer import authfiles, facts, registry

pytestmark = pytest.mark.registry



def _skip(reason: str):
    """Skip, or fail where the tools must be there (DOCKERFIX_REQUIRE_E2E=1, as `.ci/run` sets it)."""
    if os.environ.get("DOCKERFIX_REQUIRE_E2E") == "1":
        pytest.fail(f"{reason}; DOCKERFIX_REQUIRE_E2E=1 requires it")
    pytest.skip(reason)

GOSU = "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*"


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    """One registry with the test images: name -> reference."""
    if oci.MISSING:
        _skip(f"needs {', '.join(oci.MISSING)} (apt-get install docker-registry skopeo)")
    root = tmp_path_factory.mktemp("registry")
    r = oci.Registry(str(root / "reg")).start()
    refs = {}

    def put(name, tag, *manifest_kwargs):
        lay = str(root / f"{name.replace('/', '_')}-{tag}")
        digest = oci.layout(lay, tag, [oci.image(lay, **kw) for kw in manifest_kwargs])
        oci.push(lay, tag, f"{r.host}/{name}:{tag}")
        refs[f"{name}:{tag}"] = f"{r.host}/{name}:{tag}"
        refs[f"{name}@"] = f"{r.host}/{name}@{digest}"

    try:
        put("acme/nonroot", "1", dict(user="1001", history=["/bin/sh -c #(nop) ADD file:0a1b in / ",
                                                             "RUN /bin/sh -c microdnf install -y java # buildkit",
                                                             "USER 1001"]))
        put("acme/alpine", "3", dict(history=["ADD alpine-minirootfs.tar.gz / # buildkit",
                                              "RUN /bin/sh -c apk add --no-cache curl # buildkit"]))
        put("acme/debian", "12", dict(history=["/bin/sh -c #(nop) ADD file:9f8e in / ",
                                               "|1 UID=1001 /bin/sh -c groupadd -g 1001 app && useradd -u 1001 -g app -m app"],
                                      workdir="/srv", volumes=["/var/lib/app"]))
        put("acme/gosu", "1", dict(entrypoint=["docker-entrypoint.sh"], cmd=["server"], volumes=["/data"],
                                   history=["/bin/sh -c #(nop) ADD file:9f8e in / ", GOSU]))
        put("acme/multi", "1", dict(arch="amd64", history=["RUN /bin/sh -c apk add --no-cache tini # buildkit"]),
            dict(arch="arm64", user="65532", history=["RUN /bin/sh -c apk add --no-cache tini # buildkit"]))
        put("acme/static", "1", dict(entrypoint=["/server"], history=["COPY /out/server /server # buildkit"]))
        put("acme/windows", "1", dict(os_="windows", history=["Apply image 10.0.20348.1"]))
        yield r, refs
    finally:
        r.stop()


@pytest.fixture
def lookups(monkeypatch, tmp_path):
    """Look-ups on, with a cache of this test's own, no engine but podman with an empty test store."""
    monkeypatch.delenv("DOCKERFIX_LOOKUP", raising=False)
    monkeypatch.delenv("DOCKERFIX_OFFLINE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", _storage_conf(tmp_path / "podman"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    yield tmp_path


def _storage_conf(folder) -> str:
    os.makedirs(folder, exist_ok=True)
    conf = os.path.join(folder, "storage.conf")
    with open(conf, "w") as f:
        f.write(f'[storage]\ndriver = "vfs"\ngraphroot = "{folder}/root"\nrunroot = "{folder}/run"\n')
    return conf


def run(cli, tmp_path, dockerfile: str, *args, name="Dockerfile"):
    folder = tmp_path / f"ctx-{abs(hash(dockerfile + name))}"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(dockerfile)
    code, out, err = cli([str(folder / name), "--format", "json", *args])
    return code, json.loads(out)[0], err


def test_base_running_as_1001_needs_no_fix_and_says_how_it_is_known(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/nonroot:1']}\nCOPY app.jar /app.jar\n")
    assert (code, rep["changed"], rep["rule"]) == (0, False, "already-non-root")
    assert rep["skipped"] == f"base image {refs['acme/nonroot:1']} runs as 1001 (registry), not root"
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/nonroot:1']}\nCOPY app.jar /app.jar\n")
    assert "runs as 1001 (registry, cached just now)" in rep["skipped"]


def test_a_base_known_from_its_configuration_to_run_as_root_is_fixed(reg, lookups, cli):
    r, refs = reg
    df = f"FROM {refs['acme/alpine:3']}\nCOPY app /app\n"  # nothing in the file proves root
    code, rep, _ = run(cli, lookups, df, "--offline")
    assert rep["rule"] == "base-user-unknown"
    code, rep, _ = run(cli, lookups, df)
    assert rep["changed"] and rep["rule"] is None and rep["family"] == "alpine"


def test_user_root_switches_back_to_the_bases_user(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/nonroot:1']}\nUSER root\nRUN microdnf install -y git\n")
    assert rep["changed"] and rep["user_after"] == "1001"
    assert rep["family"] == "rhel"


def test_family_from_history_alpine(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/alpine:3']}\nRUN wget -q https://example.com/x\n")
    assert rep["changed"] and rep["family"] == "alpine"
    assert any("is Alpine-based: its history runs apk (registry)" in x for x in rep["reasons"])
    assert "adduser -S -D" in rep["edit"]["text"]


def test_debian_history_users_feed_the_clash_check_workdir_and_volumes(reg, lookups, cli):
    r, refs = reg
    df = f"FROM {refs['acme/debian:12']}\nRUN apt-get update\n"
    code, rep, _ = run(cli, lookups, df)
    assert rep["changed"] and rep["family"] == "debian"
    assert "/var/lib/app" in rep["edit"]["text"]  # the base's VOLUME is handed to the new user
    assert any("declares VOLUME /var/lib/app (registry" in x for x in rep["reasons"])
    code, rep, err = run(cli, lookups, df, "--uid", "1001")
    assert code == 2 and "already uses ids 1001:1001 (user app)" in rep["error"]
    code, rep, _ = run(cli, lookups, df, "--user", "app")
    assert rep["changed"] and rep["user_after"] == "app" and not rep["created_user"]


def test_base_entrypoint_that_drops_privileges_is_left(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/gosu:1']}\nCOPY conf /etc/app/conf\n")
    assert rep["rule"] == "drops-privileges"
    assert rep["skipped"].startswith(f"base image {refs['acme/gosu:1']} starts as root and its entrypoint drops "
                                     "privileges itself (registry)")


def test_manifest_list_picks_the_platform_and_says_which(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/multi:1']}\nRUN mkdir /opt/x\n")
    assert rep["changed"]
    assert any("linux/amd64 of 2 platforms, the default" in x for x in rep["reasons"]), rep["reasons"]
    df = f"ARG ARCH=arm64\nFROM --platform=linux/$ARCH {refs['acme/multi:1']}\nRUN true\n"
    code, rep, _ = run(cli, lookups, df)
    assert rep["rule"] == "already-non-root"
    assert "runs as 65532 (registry; linux/arm64 of 2 platforms)" in rep["skipped"]
    # a build stage on $BUILDPLATFORM chains to the final stage: BuildKit's default, linux/amd64
    df = f"FROM --platform=$BUILDPLATFORM {refs['acme/multi:1']} AS base\nFROM base\nRUN mkdir /opt/x\n"
    code, rep, _ = run(cli, lookups, df)
    assert rep["changed"] and any("linux/amd64 of 2 platforms)" in x for x in rep["reasons"])


def test_digest_reference(reg, lookups, cli):
    r, refs = reg
    ref = refs["acme/nonroot@"]
    code, rep, _ = run(cli, lookups, f"FROM {ref}\nCOPY a /a\n")
    assert rep["rule"] == "already-non-root" and "(registry)" in rep["skipped"]


def test_shell_less_base_gets_no_run(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/static:1']}\nCOPY conf /conf\n")
    assert rep["changed"] and "RUN" not in rep["edit"]["text"]
    assert rep["edit"]["text"].strip() == "USER 65534:65534"


def test_windows_base(reg, lookups, cli):
    r, refs = reg
    code, rep, _ = run(cli, lookups, f"FROM {refs['acme/windows:1']}\nCOPY app.exe /app.exe\n")
    assert rep["family"] == "windows"


def test_offline_and_stdin_never_ask_the_registry(reg, lookups, cli, monkeypatch):
    r, refs = reg
    df = f"FROM {refs['acme/nonroot:1']}\nCOPY app.jar /app.jar\n"
    code, rep, _ = run(cli, lookups, df, "--offline")
    assert rep["rule"] == "base-user-unknown"  # nothing looked up: the base is unknown, as before
    monkeypatch.setenv("DOCKERFIX_OFFLINE", "1")
    code, rep, _ = run(cli, lookups, df)
    assert rep["rule"] == "base-user-unknown"
    monkeypatch.delenv("DOCKERFIX_OFFLINE")
    cfg = lookups / "offline-cfg"
    cfg.mkdir()
    (cfg / ".dockerfix.toml").write_text("offline = true\n")
    code, rep, _ = run(cli, cfg, df)
    assert rep["rule"] == "base-user-unknown"
    code, out, _ = cli(["-", "--format", "json"], input=df)
    assert json.loads(out)[0]["rule"] == "base-user-unknown"
    assert not os.path.exists(lookups / "cache" / "dockerfix" / "tags")
    # once cached by a run on files, stdin and --offline use the cache
    run(cli, lookups, df)
    code, out, _ = cli(["-", "--format", "json"], input=df)
    assert json.loads(out)[0]["rule"] == "already-non-root"
    code, rep, _ = run(cli, lookups, df, "--offline")
    assert "(registry, cached" in rep["skipped"]


def test_registry_stopped_answers_from_cache(lookups, cli, tmp_path):
    if oci.MISSING:
        _skip(f"needs {', '.join(oci.MISSING)} (apt-get install docker-registry skopeo)")
    r = oci.Registry(str(tmp_path / "reg2")).start()
    try:
        lay = str(tmp_path / "img")
        oci.layout(lay, "1", [oci.image(lay, user="999", history=["USER 999"])])
        oci.push(lay, "1", f"{r.host}/stop/app:1")
        df = f"FROM {r.host}/stop/app:1\nCOPY a /a\n"
        assert "runs as 999 (registry)" in run(cli, tmp_path, df)[1]["skipped"]
    finally:
        r.stop()
    assert "runs as 999 (registry, cached just now)" in run(cli, tmp_path, df)[1]["skipped"]
    # past its time a tag is asked again; unreachable, the stale entry still answers, with the reason
    for name in os.listdir(tmp_path / "cache" / "dockerfix" / "tags"):
        p = tmp_path / "cache" / "dockerfix" / "tags" / name
        entry = json.loads(p.read_text())
        entry["time"] -= 3 * 86400
        p.write_text(json.dumps(entry))
    code, rep, _ = run(cli, tmp_path, df)
    assert "runs as 999 (registry, cached 3 days ago)" in rep["skipped"]
    assert any(x.startswith("base: registry unreachable:") and "using the cached configuration" in x
               for x in rep["reasons"])


def test_unreachable_registry_is_a_reason_in_bounded_time(lookups, cli, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        port = silent.getsockname()[1]
        (tmp_path / ".dockerfix.toml").write_text("lookup-timeout = 1\n")
        df = f"FROM 127.0.0.1:{port}/slow/app:1\nRUN apt-get update\n"
        start = time.monotonic()
        code, rep, _ = run(cli, tmp_path, df)
        assert time.monotonic() - start < 10
        assert code == 0 and rep["changed"] and rep["error"] is None
        assert any(x.startswith("base: registry unreachable:") for x in rep["reasons"])
        code, out, err = cli([str(next(tmp_path.glob("ctx-*/Dockerfile"))), "-v"])
        assert "base: registry unreachable:" in err
    finally:
        silent.close()


def test_basic_auth_with_docker_config(lookups, cli, tmp_path):
    if oci.MISSING or not shutil.which("htpasswd"):
        _skip("needs docker-registry, skopeo and htpasswd (apache2-utils)")
    pw = tmp_path / "htpasswd"
    subprocess.run(["htpasswd", "-Bbc", str(pw), "alice", "s3cret"], check=True, capture_output=True)
    r = oci.Registry(str(tmp_path / "reg3"), auth={"htpasswd": {"realm": "test", "path": str(pw)}}).start()
    try:
        lay = str(tmp_path / "img")
        oci.layout(lay, "1", [oci.image(lay, user="1001")])
        oci.push(lay, "1", f"{r.host}/private/app:1", creds="alice:s3cret")
        df = f"FROM {r.host}/private/app:1\nCOPY a /a\n"
        code, rep, _ = run(cli, tmp_path, df)
        assert rep["rule"] == "base-user-unknown" and any("needs credentials" in x for x in rep["reasons"])
        (tmp_path / "docker").mkdir()
        auth = base64.b64encode(b"alice:s3cret").decode()
        (tmp_path / "docker" / "config.json").write_text(json.dumps({"auths": {r.host: {"auth": auth}}}))
        code, rep, _ = run(cli, tmp_path, df + "\n")
        assert rep["rule"] == "already-non-root" and "(registry)" in rep["skipped"]
    finally:
        r.stop()


def test_bearer_token_flow(lookups, cli, tmp_path):
    if oci.MISSING or not shutil.which("openssl"):
        _skip("needs docker-registry, skopeo and openssl")
    tokens = oci.TokenServer(str(tmp_path)).start()
    auth = {"token": {"realm": tokens.realm, "service": tokens.service, "issuer": tokens.issuer,
                      "rootcertbundle": tokens.cert}}
    r = oci.Registry(str(tmp_path / "reg4"), auth=auth).start()
    try:
        lay = str(tmp_path / "img")
        oci.layout(lay, "1", [oci.image(lay, user="1001")])
        oci.push(lay, "1", f"{r.host}/tok/app:1")
        code, rep, _ = run(cli, tmp_path, f"FROM {r.host}/tok/app:1\nCOPY a /a\n")
        assert rep["rule"] == "already-non-root" and "(registry)" in rep["skipped"]
        assert any("scope=repository%3Atok%2Fapp%3Apull" in a for a in tokens.asked)
    finally:
        r.stop()
        tokens.stop()


def test_docker_hub_mirror(reg, lookups, cli):
    r, refs = reg
    (lookups / ".dockerfix.toml").write_text(f'registry-mirror = "http://{r.host}"\n')
    # acme/nonroot on Docker Hub, as the mirror serves it
    code, rep, _ = run(cli, lookups, "FROM acme/nonroot:1\nCOPY a /a\n")
    assert rep["skipped"] == "base image acme/nonroot:1 runs as 1001 (registry), not root"


def test_podman_engine_with_a_test_store(lookups, cli, tmp_path):
    if not shutil.which("podman") or not shutil.which("skopeo"):
        _skip("needs podman and skopeo")
    store = tmp_path / "podman"
    lay = str(tmp_path / "img")
    oci.layout(lay, "1", [oci.image(lay, user="4242", history=["RUN /bin/sh -c apk add curl # buildkit", "USER 4242"])])
    dest = f"containers-storage:[vfs@{store}/root+{store}/run]localhost/eng/app:1"
    done = subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", f"oci:{lay}:1", dest],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        _skip(f"podman's storage cannot be written here: {done.stderr.strip()[:200]}")
    check = subprocess.run(["podman", "image", "inspect", "localhost/eng/app:1"], capture_output=True, timeout=60)
    if check.returncode != 0:
        _skip(f"podman cannot run here: {check.stderr.decode()[:200]}")
    df = "FROM localhost/eng/app:1\nCOPY a /a\n"
    code, rep, _ = run(cli, tmp_path, df, "--offline")
    assert rep["skipped"] == "base image localhost/eng/app:1 runs as 4242 (podman), not root"
    code, out, _ = cli(["-", "--format", "json"], input=df)  # stdin: the engine's answer, now cached
    assert "runs as 4242 (podman, cached" in json.loads(out)[0]["skipped"]


# --- the cache ------------------------------------------------------------------------------------


def _blob(user: str) -> tuple[str, bytes]:
    import hashlib

    blob = json.dumps({"os": "linux", "architecture": "amd64", "config": {"User": user}}).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest(), blob


def test_corrupt_cache_entries_are_ignored_and_rewritten(reg, lookups):
    r, refs = reg
    cache = facts.Cache(str(lookups / "c"))
    ref = refs["acme/nonroot:1"]
    res = facts.Resolver("network", cache, engines=False)
    assert res.get(ref, "linux/amd64").config["config"]["User"] == "1001"
    tag = cache._tag_path(ref, "linux/amd64")
    digest = json.load(open(tag))["config"]
    conf = cache._config_path(digest)
    for path, junk in ((conf, b'{"config": {"User": "0"}}'), (tag, b"{not json"), (conf, b"")):
        with open(path, "wb") as f:
            f.write(junk)
        assert cache.get(ref, "linux/amd64", fresh=True) is None  # wrong digest, broken JSON, empty
        found = facts.Resolver("network", cache, engines=False).get(ref, "linux/amd64")
        assert found.origin == "registry" and found.config["config"]["User"] == "1001"
        assert cache.get(ref, "linux/amd64", fresh=True).config["config"]["User"] == "1001"  # rewritten


def test_cache_is_bounded(tmp_path):
    cache = facts.Cache(str(tmp_path), max_files=3)
    for i in range(6):
        d, b = _blob(str(i))
        cache.put(f"img:{i}", "linux/amd64", d, b, "registry")
        os.utime(cache._config_path(d), (i, i))
        os.utime(cache._tag_path(f"img:{i}", "linux/amd64"), (i, i))
    assert len(os.listdir(tmp_path / "configs")) <= 3 and len(os.listdir(tmp_path / "tags")) <= 3
    assert cache.get("img:5", "linux/amd64", fresh=True).config["config"]["User"] == "5"


WRITER = """
import sys, json, hashlib
sys.path.insert(0, sys.argv[1])
from fixer import facts
cache = facts.Cache(sys.argv[2])
for i in range(60):
    blob = json.dumps({"config": {"User": sys.argv[3] * (i % 7 + 1)}}).encode()
    cache.put("shared:1", "linux/amd64", "sha256:" + hashlib.sha256(blob).hexdigest(), blob, "registry")
"""


def test_concurrent_writers_never_leave_a_broken_entry(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(facts.__file__)))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, root, str(tmp_path), str(n)]) for n in range(4)]
    seen = 0
    while any(p.poll() is None for p in procs):
        found = facts.Cache(str(tmp_path)).get("shared:1", "linux/amd64", fresh=True)
        if found is not None:
            assert set(found.config["config"]["User"]) <= set("0123") and len(set(found.config["config"]["User"])) == 1
            seen += 1
    assert all(p.wait(timeout=60) == 0 for p in procs)
    final = facts.Cache(str(tmp_path)).get("shared:1", "linux/amd64", fresh=True)
    assert final is not None
    assert not [n for n in os.listdir(tmp_path / "tags") if n.startswith(".tmp")]


def test_concurrent_lookups_make_one_request_per_image(reg, lookups):
    r, refs = reg
    res = facts.Resolver("network", facts.Cache(str(lookups / "c2")), engines=False)
    calls = []
    real = res._registry
    res._registry = lambda image, platform: calls.append(image) or real(image, platform)
    keys = [(refs[k], "linux/amd64") for k in ("acme/nonroot:1", "acme/alpine:3", "acme/debian:12")] * 5
    threads = [threading.Thread(target=res.prefetch, args=(keys,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == sorted({k for k, _ in keys})


def test_a_resolver_that_may_not_ask_answers_from_the_cache_and_defers_the_rest(tmp_path):
    """`ask` False (a folder run's first round in a worker): the cache answers as usual (fresh, a
    remembered failure); what would need the engine or the registry raises Deferred."""
    cache = facts.Cache(str(tmp_path))
    blob = json.dumps({"os": "linux", "architecture": "amd64", "config": {"User": "1001"}}).encode()
    cache.put("acme/cached:1", facts.DEFAULT_PLATFORM, "sha256:" + facts.sha256.hexdigest(blob), blob, "registry")
    cache.put_failure("acme/failed:1", facts.DEFAULT_PLATFORM, "|" + authfiles.stamp(), "registry unreachable: test")
    res = facts.Resolver("network", cache, engines=False)
    res._registry = lambda image, platform: pytest.fail("asked the registry")
    res.ask = False
    assert res.get("acme/cached:1", facts.DEFAULT_PLATFORM).config["config"]["User"] == "1001"
    assert "registry unreachable: test (remembered" in res.get("acme/failed:1", facts.DEFAULT_PLATFORM).note
    with pytest.raises(facts.Deferred) as e:
        res.get("acme/other:1", facts.DEFAULT_PLATFORM)
    assert e.value.args[0] == ("acme/other:1", facts.DEFAULT_PLATFORM)
    assert not isinstance(e.value, Exception)  # no rule's `except Exception` takes it
    res = facts.Resolver("network", cache, engines=False, refresh=True)  # --refresh: the cache is not the answer
    res.ask = False
    with pytest.raises(facts.Deferred):
        res.get("acme/cached:1", facts.DEFAULT_PLATFORM)


def test_a_run_over_many_files_tells_every_age_from_its_start(tmp_path, monkeypatch):
    """`Cache.told_at` (a command's start): a reason says the same age of an entry in every file,
    whichever worker reads it when; an entry written after the start is "just now"."""
    cache = facts.Cache(str(tmp_path))
    cache.put_failure("acme/failed:1", facts.DEFAULT_PLATFORM, "", "registry unreachable: test")
    now = time.time()
    cache.told_at = now + 60
    monkeypatch.setattr(facts.time, "time", lambda: now + 75)  # read 15 s later
    why, age = cache.failure("acme/failed:1", facts.DEFAULT_PLATFORM, "")
    assert facts._ago(age) == "60 s ago"
    cache.told_at = now - 60
    assert facts._ago(cache.failure("acme/failed:1", facts.DEFAULT_PLATFORM, "")[1]) == "just now"
    cache.told_at = None
    assert facts._ago(cache.failure("acme/failed:1", facts.DEFAULT_PLATFORM, "")[1]) == "75 s ago"


def test_a_folder_run_in_workers_looks_each_image_up_once_and_says_what_one_process_says(reg, lookups):
    """Workers answer from the cache; the files whose base the registry must answer wait, the
    command looks those images up together, and workers forked after do them: the report is
    the one process's, cold and warm."""
    r, refs = reg
    bases = [refs["acme/nonroot:1"], refs["acme/alpine:3"], refs["acme/debian:12"], "debian:12"]
    for i in range(30):
        folder = lookups / "tree" / f"{i:02d}"
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text(f"FROM {bases[i % len(bases)]}\nCOPY app /app\nRUN true {i}\n")

    def folder_run(jobs, cache):
        env = {**os.environ, "XDG_CACHE_HOME": str(lookups / cache)}
        p = subprocess.run([sys.executable, "-m", "fixer", "--check", "--format", "json", "--jobs", jobs, "."],
                           cwd=lookups / "tree", capture_output=True, text=True, env=env)
        assert p.returncode == 1, p.stderr
        return json.loads(p.stdout)

    one = folder_run("1", "one")
    cold = folder_run("2", "two")
    assert cold == one
    assert sum("runs as 1001 (registry)" in (rep["skipped"] or "") for rep in cold) == 8  # asked, not cached
    assert folder_run("2", "two") == folder_run("1", "one")  # warm: every answer from the cache
    assert sum("(registry, cached" in (rep["skipped"] or "") for rep in folder_run("2", "two")) == 8
    configs = os.listdir(lookups / "two" / "dockerfix" / "configs")
    assert len(configs) == 3  # the three images the registry has, cached


# --- names, credentials, history ----------------------------------------------------------------


def test_docker_hub_name_rules():
    assert str(registry.parse("node")) == "docker.io/library/node:latest"
    assert str(registry.parse("node:20-alpine")) == "docker.io/library/node:20-alpine"
    assert str(registry.parse("bitnami/redis:7")) == "docker.io/bitnami/redis:7"
    assert str(registry.parse("index.docker.io/library/node:1")) == "docker.io/library/node:1"
    assert str(registry.parse("localhost:5000/a/b")) == "localhost:5000/a/b:latest"
    d = "sha256:" + "a" * 64
    assert registry.parse(f"ghcr.io/o/r@{d}") == registry.Ref("ghcr.io", "o/r", None, d)
    assert registry.is_loopback("127.0.0.1:5000") and registry.is_loopback("localhost") and registry.is_loopback("[::1]:5000")
    assert not registry.is_loopback("10.0.0.1:5000") and not registry.is_loopback("ghcr.io")
    with pytest.raises(registry.RegistryError):
        registry.parse("Not A Ref")


def test_credentials_from_files_and_helpers(tmp_path, monkeypatch):
    helper = tmp_path / "bin" / "docker-credential-dftest"
    helper.parent.mkdir()
    helper.write_text('#!/bin/sh\nread server\necho "{\\"Username\\": \\"bob\\", \\"Secret\\": \\"pw-for-$server\\"}"\n')
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:{os.environ['PATH']}")
    podman = tmp_path / "auth.json"
    podman.write_text(json.dumps({"auths": {"quay.io": {"auth": base64.b64encode(b"q:1").decode()}}}))
    docker = tmp_path / "config.json"
    docker.write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:2").decode()}},
                                  "credHelpers": {"ghcr.io": "dftest"}}))
    files = [str(podman), str(docker)]
    assert registry.credentials("quay.io", files) == ("q", "1")
    assert registry.credentials("docker.io", files) == ("hub", "2")
    assert registry.credentials("ghcr.io", files) == ("bob", "pw-for-ghcr.io")
    assert registry.credentials("gcr.io", files) is None


def test_history_steps_and_merge():
    from fixer.images import ImageInfo

    config = {"os": "linux", "config": {"User": "app", "Entrypoint": ["tini", "--"], "Cmd": ["run.sh"]},
              "history": [{"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
                          {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": True},
                          {"created_by": "RUN |2 A=1 B=2 /bin/sh -c zypper -n in shadow && useradd -u 2000 app # buildkit"},
                          {"created_by": "COPY run.sh / # buildkit"}]}
    assert [k for k, _ in facts.history_steps(config)] == ["add", "meta", "run", "copy"]
    info = facts.merge(ImageInfo(), config, "registry")
    assert (info.family, info.default_user, info.users, info.reuse_user) == ("suse", "app", {"app": "2000:2000"}, "app")
    assert info.shell and info.user_known and info.facts_from == "registry"
    assert info.entrypoint == ("tini", "--") and info.cmd == ("run.sh",)


def test_images_the_knowledge_file_knows_are_not_looked_up(lookups, monkeypatch):
    """stdin (format on save) never asks a registry, and for an image the knowledge file knows
    nothing starts the local engine or asks a registry, on stdin or on a file: that is a process
    or a request per run for no new fact. A `podman` on PATH that
    records its calls shows which images made dockerfix ask the engine."""
    calls = lookups / "podman-calls"
    bindir = lookups / "bin"
    bindir.mkdir()
    fake = bindir / "podman"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\nexit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    env.pop("DOCKERFIX_LOOKUP", None)

    def fix_stdin(text: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fixer", "-"], input=text.encode(), capture_output=True,
                              env=env, timeout=60)

    known = fix_stdin("FROM debian:bookworm-slim\nRUN apt-get update\nCOPY server /srv/app/server\nCMD [\"/srv/app/server\"]\n")
    assert known.returncode == 0 and b"USER appuser" in known.stdout, known.stderr
    assert not calls.exists(), calls.read_text()
    # the command line on a file too: the knowledge file answers, so no process and no request
    known_file = lookups / "known" / "Dockerfile"
    known_file.parent.mkdir()
    known_file.write_text("FROM alpine:3.20\nRUN apk add --no-cache curl\nCMD [\"/app\"]\n")
    checked = subprocess.run([sys.executable, "-m", "fixer", "--check", str(known_file)], capture_output=True,
                             env=env, timeout=60)
    assert checked.returncode == 1, checked.stderr
    assert not calls.exists(), calls.read_text()
    unknown = fix_stdin("FROM registry.example.com/team/app:1\nRUN apt-get update\n")
    assert unknown.returncode == 0, unknown.stderr
    assert "image" in calls.read_text()  # the engine was asked about the unknown image


def test_a_cached_answer_starts_no_engine_process(reg, lookups):
    """Once the registry's answer is cached, later runs read the cache file and start no
    `podman`/`docker` process (about 70 ms each, on every run)."""
    r, refs = reg
    calls = lookups / "engine-calls"
    bindir = lookups / "bin"
    bindir.mkdir()
    for engine in ("podman", "docker"):
        (bindir / engine).write_text(f"#!/bin/sh\necho {engine} \"$@\" >> {calls}\nexit 1\n")
        (bindir / engine).chmod(0o755)
    dockerfile = lookups / "app" / "Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text(f"FROM {refs['acme/nonroot:1']}\nCOPY app.jar /app.jar\n")
    first = subprocess.run([sys.executable, "-m", "fixer", "--format", "json", str(dockerfile)],
                           capture_output=True, timeout=60)
    assert json.loads(first.stdout)[0]["rule"] == "already-non-root", first.stderr
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    again = subprocess.run([sys.executable, "-m", "fixer", "--format", "json", str(dockerfile)],
                           capture_output=True, timeout=60, env=env)
    rep = json.loads(again.stdout)[0]
    assert rep["rule"] == "already-non-root" and "cached" in rep["skipped"], rep
    assert not calls.exists(), calls.read_text()


class _Silent:
    """A registry address that accepts connections and never answers; counts the connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_a_failed_lookup_is_remembered_and_refresh_asks_again(lookups, cli, tmp_path):
    silent = _Silent()
    try:
        (tmp_path / ".dockerfix.toml").write_text("lookup-timeout = 1\n")
        df = f"FROM 127.0.0.1:{silent.port}/gone/app:1\nRUN apt-get update\n"
        code, rep, _ = run(cli, tmp_path, df)
        asked = silent.accepted
        assert asked >= 1 and rep["changed"]
        assert any(x.startswith("base: registry unreachable:") for x in rep["reasons"])
        # the next runs do not ask again, and say why the answer is what it is
        for _ in range(2):
            code, rep, _ = run(cli, tmp_path, df)
            assert silent.accepted == asked
            assert code == 0 and rep["changed"] and rep["error"] is None
            assert any(x.startswith("base: registry unreachable:") and "remembered from a look-up" in x
                       and "--refresh" in x for x in rep["reasons"])
        # --refresh asks now
        code, rep, _ = run(cli, tmp_path, df, "--refresh")
        assert silent.accepted > asked
        asked = silent.accepted
        assert not any("remembered" in x for x in rep["reasons"])
        # past failed-lookup-minutes the registry is asked again
        folder = tmp_path / "cache" / "dockerfix" / "failures"
        for p in folder.iterdir():
            entry = json.loads(p.read_text())
            entry["time"] -= 11 * 60
            p.write_text(json.dumps(entry))
        run(cli, tmp_path, df)
        assert silent.accepted > asked
        # failed-lookup-minutes = 0: every run asks
        (tmp_path / ".dockerfix.toml").write_text("lookup-timeout = 1\nfailed-lookup-minutes = 0\n")
        for _ in range(2):
            asked = silent.accepted
            run(cli, tmp_path, df)
            assert silent.accepted > asked
    finally:
        silent.close()


def test_a_remembered_failure_is_per_image_and_cleared_by_an_answer(reg, lookups, cli, tmp_path):
    r, refs = reg
    image = refs["acme/nonroot:1"]
    cache = facts.Cache(os.path.join(str(tmp_path / "cache"), "dockerfix"))
    where = "|" + authfiles.stamp()
    cache.put_failure(image, facts.DEFAULT_PLATFORM, where, "registry unreachable: test")
    df = f"FROM {image}\nCOPY a /a\n"
    code, rep, _ = run(cli, tmp_path, df)
    # remembered: not asked, so the base's user is unknown and the reason says why
    assert rep["rule"] == "base-user-unknown"
    assert any("registry unreachable: test (remembered from a look-up" in x for x in rep["reasons"])
    # another image of the same registry is asked as usual
    code, rep, _ = run(cli, tmp_path, f"FROM {refs['acme/gosu:1']}\nCOPY a /a\n")
    assert not any("remembered" in x for x in rep["reasons"])
    # --refresh: the registry answers, its answer is cached and the failure forgotten
    code, rep, _ = run(cli, tmp_path, df, "--refresh")
    assert rep["rule"] == "already-non-root" and "runs as 1001 (registry)" in rep["skipped"]
    assert cache.failure(image, facts.DEFAULT_PLATFORM, where) is None
    code, rep, _ = run(cli, tmp_path, df)
    assert "runs as 1001 (registry, cached just now)" in rep["skipped"]


def test_offline_lookups_remember_an_image_the_engine_does_not_have(lookups, cli, tmp_path, monkeypatch):
    calls = []
    real = facts.engine_images

    def counted(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(facts, "engine_images", counted)
    resolver = facts.resolver_from({"offline": True})
    assert resolver.get("example.invalid/app:1", facts.DEFAULT_PLATFORM).config is None
    assert len(calls) == 1
    again = facts.resolver_from({"offline": True})  # the next run: a new process, the same cache
    assert again.get("example.invalid/app:1", facts.DEFAULT_PLATFORM).config is None
    assert len(calls) == 1
    fresh = facts.resolver_from({"offline": True, "refresh": True})
    assert fresh.get("example.invalid/app:1", facts.DEFAULT_PLATFORM).config is None
    assert len(calls) == 2
