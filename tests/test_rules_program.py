"""Rules of the `program` family that look at the repository around the Dockerfile."""

from __future__ import annotations

import json


def report(cli, path):
    code, out, err = cli(["--isolated", "--format", "json", "--check", path])
    assert code in (0, 1), err
    return json.loads(out)[0]


def repo(tmp_path, files: dict[str, str]):
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


DOCKERFILE = """FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*
COPY docker/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
"""


def test_entrypoint_script_read_from_the_repository_root(cli, tmp_path):
    # built with `docker build -f docker/Dockerfile .`: the COPY source is relative to the root
    r = repo(tmp_path, {"docker/Dockerfile": DOCKERFILE,
                        "docker/entrypoint.sh": "#!/bin/sh\nmkdir -p /run/sshd\nexec /usr/sbin/sshd -D\n"})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] == "starts-as-root"
    assert "script docker/entrypoint.sh (copied on line 3) starts sshd" in rep["skipped"]


def test_entrypoint_script_in_the_repository_without_root_work_is_fixed(cli, tmp_path):
    r = repo(tmp_path, {"docker/Dockerfile": DOCKERFILE,
                        "docker/entrypoint.sh": "#!/bin/sh\nexec python3 -m http.server 8080\n"})
    rep = report(cli, r / "docker" / "Dockerfile")
    assert rep["rule"] is None and rep["changed"], rep
