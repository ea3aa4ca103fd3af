"""The base image's own entrypoint script, read from its layers (fixer/layers.py): a real
docker-registry on loopback, images written here as OCI layouts (several layers each) and pushed
with skopeo, as in test_facts.py."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile

import pytest

import oci
from fixer import facts, layers
from test_facts import _skip, lookups, run  # noqa: F401 - `lookups` is a fixture

pytestmark = pytest.mark.registry

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NO_DROP = "#!/bin/sh\nset -e\nexec \"$@\"\n"
GOSU = "#!/bin/sh\nset -e\nif [ \"$(id -u)\" = 0 ]; then\n  mkdir -p /data && chown app /data\n  exec gosu app \"$@\"\nfi\nexec \"$@\"\n"
SETUP = "#!/bin/sh\nset -e\nsed -i \"s/^#host/host/\" /etc/app/app.conf\nexec \"$@\"\n"


def _tar(entries) -> tuple[bytes, str]:
    """A gzip layer of (name, kind, value): kind "file" (text), "sym" (target), "dir"."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, value in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind in ("file", "bin"):
                body = value.encode() if kind == "file" else value
                info.size, info.mode = len(body), 0o755
                tar.addfile(info, io.BytesIO(body))
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
    data = raw.getvalue()
    return gzip.compress(data, mtime=0), "sha256:" + hashlib.sha256(data).hexdigest()


def _image(root: str, tag: str, entrypoint, layer_entries) -> list[str]:
    """An image whose config names `entrypoint`, with the layers given (bottom first); returns the
    digests of its layers as the manifest names them, bottom first."""
    descs, diff_ids = [], []
    for entries in layer_entries:
        blob, diff_id = _tar(entries)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **oci._blob(root, blob)})
        diff_ids.append(diff_id)
    config = {"architecture": "amd64", "os": "linux",
              "config": {"User": "", "Env": [PATH], "Entrypoint": entrypoint, "Cmd": ["server"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created_by": "/bin/sh -c #(nop) ADD file:9f8e in / "}]}
    cfg = oci._blob(root, json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cfg}, "layers": descs}
    desc = oci._blob(root, json.dumps(manifest).encode())
    oci.layout(root, tag, [{"mediaType": manifest["mediaType"], **desc,
                            "platform": {"os": "linux", "architecture": "amd64"}}])
    return [d["digest"] for d in descs]


BASE = [("bin", "dir", None), ("bin/sh", "file", "#!busybox\n"), ("usr/local/bin", "dir", None)]


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    if oci.MISSING:
        _skip(f"needs {', '.join(oci.MISSING)} (apt-get install docker-registry skopeo)")
    root = tmp_path_factory.mktemp("layers")
    r = oci.Registry(str(root / "reg")).start()
    refs, tops = {}, {}

    def put(name, entrypoint, layer_entries):
        lay = str(root / name.replace("/", "_"))
        tops[name] = _image(lay, "1", entrypoint, layer_entries)
        oci.push(lay, "1", f"{r.host}/{name}:1")
        refs[name] = f"{r.host}/{name}:1"

    try:
        # the top layer replaces a harmless script with one that drops to app; a root symlink to it
        put("acme/drops", ["docker-entrypoint.sh"], [
            BASE + [("usr/local/bin/docker-entrypoint.sh", "file", NO_DROP)],
            [("usr/local/bin/docker-entrypoint.sh", "file", GOSU)],
            [("docker-entrypoint.sh", "sym", "usr/local/bin/docker-entrypoint.sh")],
        ])
        # the same through the symlink, named by its absolute path, behind tini
        put("acme/linked", ["/sbin/tini", "--", "/docker-entrypoint.sh"], [
            BASE + [("usr/local/bin/docker-entrypoint.sh", "file", GOSU)],
            [("docker-entrypoint.sh", "sym", "usr/local/bin/docker-entrypoint.sh")],
        ])
        # a lower layer drops, the top layer deletes the script (whiteout): nothing to read
        put("acme/whiteout", ["/usr/local/bin/docker-entrypoint.sh"], [
            BASE + [("usr/local/bin/docker-entrypoint.sh", "file", GOSU)],
            [("usr/local/bin/.wh.docker-entrypoint.sh", "file", "")],
        ])
        # hostile entries: an absolute path and a `..` path naming the script are ignored
        put("acme/hostile", ["/usr/local/bin/start.sh"], [
            BASE + [("usr/local/bin/start.sh", "file", NO_DROP)],
            [("/usr/local/bin/start.sh", "file", GOSU), ("../usr/local/bin/start.sh", "file", GOSU),
             ("usr/../../usr/local/bin/start.sh", "file", GOSU)],
        ])
        # root-only work at start
        put("acme/setup", ["/entrypoint.sh"], [BASE, [("entrypoint.sh", "file", SETUP)]])
        # a program, not a script, whose strings read like a privilege drop
        put("acme/binary", ["/usr/local/bin/server"], [
            BASE + [("usr/local/bin/server", "bin", b"\x7fELF\x02\x01\x01\x00\x00usage: exec gosu app server\n")]])
        yield r, refs, tops
    finally:
        r.stop()


DF = "FROM {}\nCOPY app /app\nCMD [\"/app/run\"]\n"


def test_the_top_most_layers_script_drops_privileges(reg, lookups, cli):
    r, refs, tops = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/drops"]))
    assert rep["rule"] == "drops-privileges", rep
    assert (f"base image {refs['acme/drops']}'s entrypoint /usr/local/bin/docker-entrypoint.sh (read from its layer "
            "sha256:") in rep["skipped"]
    assert "drops privileges itself with gosu" in rep["skipped"]
    # the layer named is the top-most one holding the script (the middle one), not the bottom one
    assert tops["acme/drops"][1][:19] in rep["skipped"] and tops["acme/drops"][0][:19] not in rep["skipped"]
    assert rep["warnings"] == []
    # cached by digest: offline, with a new resolver, the answer is the same and nothing is fetched
    r.stop()
    try:
        code, rep2, _ = run(cli, lookups, DF.format(refs["acme/drops"]), "--offline")
    finally:
        r.start()
    assert rep2["rule"] == "drops-privileges" and rep2["skipped"] == rep["skipped"]


def test_a_symlink_behind_an_init_wrapper_is_followed(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/linked"]))
    assert rep["rule"] == "drops-privileges", rep
    assert "entrypoint /usr/local/bin/docker-entrypoint.sh (read from its layer" in rep["skipped"]


def test_a_whiteout_in_a_higher_layer_hides_the_lower_script(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/whiteout"]))
    assert rep["rule"] is None and rep["changed"], rep


def test_absolute_and_dotdot_tar_entries_are_ignored(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/hostile"]))
    assert rep["rule"] is None and rep["changed"], rep


def test_root_only_work_in_the_base_entrypoint(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/setup"]))
    assert rep["rule"] == "starts-as-root", rep
    assert f"base image {refs['acme/setup']}'s entrypoint /entrypoint.sh (read from its layer" in rep["skipped"]
    assert "edits files under /etc with sed -i" in rep["skipped"]


def test_an_own_entrypoint_means_the_layers_are_not_read(reg, lookups, cli):
    r, refs, _ = reg
    df = f"FROM {refs['acme/drops']}\nCOPY app /app\nENTRYPOINT [\"/app/run\"]\n"
    code, rep, _ = run(cli, lookups, df)
    assert rep["rule"] is None and rep["changed"], rep
    assert not os.path.isdir(lookups / "cache" / "dockerfix" / "layers")


def test_a_layer_over_the_size_bound_is_a_warning(reg, lookups, cli, monkeypatch):
    r, refs, _ = reg
    monkeypatch.setattr(layers, "MAX_LAYER", 64)
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/setup"]))
    assert code in (0, 1) and rep["error"] is None
    assert rep["rule"] is None and rep["changed"]
    assert any("entrypoint not read from its layers: layer sha256:" in w and "more than" in w
               for w in rep["warnings"]), rep["warnings"]


def test_an_unreachable_registry_is_a_warning(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/linked"]))  # configuration now cached
    r.stop()
    try:
        # the layer list was cached above; remove the cached layers so they must be fetched
        import shutil

        shutil.rmtree(lookups / "cache" / "dockerfix" / "layers")
        code, rep, _ = run(cli, lookups, DF.format(refs["acme/linked"]))
    finally:
        r.start()
    assert rep["error"] is None
    assert any("entrypoint not read from its layers" in w for w in rep["warnings"]), rep["warnings"]


def test_a_binary_entrypoint_is_not_read_as_a_script(reg, lookups, cli):
    r, refs, _ = reg
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/binary"]))
    assert rep["rule"] is None and rep["changed"] and rep["warnings"] == [], rep


def test_offline_without_cached_layers_is_silent(reg, lookups, cli):
    r, refs, _ = reg
    # the configuration is cached by a first run whose file has its own ENTRYPOINT (no layer read)
    run(cli, lookups, f"FROM {refs['acme/setup']}\nCOPY app /app\nENTRYPOINT [\"/app/run\"]\n")
    code, rep, _ = run(cli, lookups, DF.format(refs["acme/setup"]), "--offline")
    assert rep["rule"] is None and rep["changed"] and rep["warnings"] == [], rep


def test_member_paths():
    assert layers._member_path("./usr/bin/x") == "/usr/bin/x"
    assert layers._member_path("/etc/passwd") is None
    assert layers._member_path("a/../../etc/passwd") is None
    assert layers.script_path(("/usr/bin/dumb-init", "--", "docker-entrypoint.sh")) == "docker-entrypoint.sh"
    assert layers.script_path(("sh", "-c", "exec app")) is None
    assert layers.script_path(("/bin/bash", "/opt/run.sh")) == "/opt/run.sh"
    assert layers.candidates("x.sh", {"PATH": "/usr/local/bin:relative:/bin"}) == ["/usr/local/bin/x.sh", "/bin/x.sh"]
