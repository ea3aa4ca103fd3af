"""Properties over generated Dockerfiles (hypothesis), and a fuzz run on raw bytes.

Profiles: `ci` (default, a few seconds) and `nightly` (HYPOTHESIS_PROFILE=nightly, many more
examples): `HYPOTHESIS_PROFILE=nightly python -m pytest tests/test_properties.py`.
"""

from __future__ import annotations

import os

import buildkit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.errors import DockerfixError
from fixer.pipeline import fix
from fixer.plan import Options

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

IMAGES = ["debian:bookworm-slim", "ubuntu:24.04", "alpine:3.20", "python:3.12-slim", "node:20-alpine",
          "scratch", "gcr.io/distroless/static-debian12", "registry.example:5000/team/app:1.2",
          "${BASE}", "${BASE:-alpine:3.20}", "postgres:16", "mcr.microsoft.com/dotnet/aspnet:8.0",
          "redhat/ubi9-minimal", "busybox@sha256:" + "ab" * 32]
USERS = ["root", "0", "0:0", "root:root", "app", "1000", "1000:1000", "app:app", "$APP_USER", "${APP_USER:-svc}",
         "nobody"]
SHELL_LINES = ["apt-get update", "apt-get install -y --no-install-recommends curl", "rm -rf /var/lib/apt/lists/*",
               "apk add --no-cache git", "echo hi > /tmp/x", "useradd -u 1500 -m svc", "pip install flask",
               "npm ci", "make", "ls -la", "mkdir -p /opt/app", "chown -R 1000 /opt/app", "[[ -f x ]] && echo y",
               "sh -c 'dnf install -y x'", "cd /tmp && ./build.sh", "X=$(uname -m); echo $X"]


@st.composite
def run_instruction(draw, esc):
    kind = draw(st.sampled_from(["shell", "cont", "json", "heredoc"]))
    cmds = draw(st.lists(st.sampled_from(SHELL_LINES), min_size=1, max_size=4))
    if kind == "shell":
        return ["RUN " + " && ".join(cmds)]
    if kind == "json":
        return ['RUN ["/bin/sh", "-c", "' + " && ".join(c.replace('"', '\\"') for c in cmds) + '"]']
    if kind == "heredoc":
        return ["RUN <<EOF", *cmds, "EOF"]
    out = ["RUN " + cmds[0] + f" {esc}"]
    for c in cmds[1:]:
        out += draw(st.sampled_from([[], ["# a comment inside"], [""], ["  "]]))
        out.append(f"    && {c} {esc}")
    out.append("    && true")
    return out


@st.composite
def stage(draw, esc, names):
    image = draw(st.sampled_from(IMAGES + names))
    platform = draw(st.sampled_from(["", "--platform=$BUILDPLATFORM ", "--platform=linux/amd64 "]))
    name = f"s{len(names)}"
    lines = [f"FROM {platform}{image}" + draw(st.sampled_from(["", f" AS {name}", f" as {name}"]))]
    for _ in range(draw(st.integers(0, 6))):
        k = draw(st.sampled_from(["run", "user", "arg", "env", "copy", "workdir", "expose", "cmd", "comment",
                                  "blank", "volume", "shell"]))
        if k == "run":
            lines += draw(run_instruction(esc))
        elif k == "user":
            lines.append("USER " + draw(st.sampled_from(USERS)))
        elif k == "arg":
            lines.append(draw(st.sampled_from(["ARG APP_USER=app", "ARG APP_USER", "ARG BASE=debian:12"])))
        elif k == "env":
            lines.append(draw(st.sampled_from(["ENV APP_USER=root", "ENV PATH=/opt/venv/bin:$PATH", "ENV A 1"])))
        elif k == "copy":
            lines.append(draw(st.sampled_from(["COPY . /app", "COPY --chown=1000:1000 . /app",
                                               f"COPY --from={names[0] if names else 'build'} /out /out",
                                               "ADD https://example.com/x.tgz /tmp/"])))
        elif k == "workdir":
            lines.append(draw(st.sampled_from(["WORKDIR /app", "WORKDIR src", "WORKDIR /tmp"])))
        elif k == "expose":
            lines.append(draw(st.sampled_from(["EXPOSE 80", "EXPOSE 8080/tcp"])))
        elif k == "cmd":
            lines.append(draw(st.sampled_from(['CMD ["app"]', "CMD app --serve", 'ENTRYPOINT ["/entrypoint.sh"]'])))
        elif k == "comment":
            lines.append("# " + draw(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)))
        elif k == "blank":
            lines.append("")
        elif k == "volume":
            lines.append("VOLUME /data")
        elif k == "shell":
            lines.append('SHELL ["/bin/bash", "-o", "pipefail", "-c"]')
    names.append(name)
    return lines


@st.composite
def dockerfiles(draw):
    esc = draw(st.sampled_from(["\\", "`"]))
    lines = []
    if esc == "`":
        lines.append("# escape=`")
    if draw(st.booleans()):
        lines.insert(0, "# syntax=docker/dockerfile:1")
    if draw(st.booleans()):
        lines.append("ARG BASE=debian:bookworm-slim")
    names: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines += draw(stage(esc, names))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    text = nl.join(lines) + (nl if draw(st.booleans()) else "")
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


def _lines(b: bytes) -> list[bytes]:
    return b.splitlines(keepends=True)


@given(dockerfiles(), st.booleans())
def test_fix_properties(data, numeric):
    opts = Options(numeric_user=numeric)
    try:
        res = fix(data, opts)
    except DockerfixError:
        return  # a clear error (an unresolvable stage name, say) is allowed; nothing else is
    out = res.output
    if not res.changed:
        assert out == data
        return
    # lossless: the input is the output minus the inserted lines
    o = _lines(out)
    k, n = res.insert_after, len(res.inserted)
    restored = b"".join(o[:k] + o[k + n:])
    if not data.endswith((b"\n",)) and k == len(_lines(data)):
        restored = restored[: -len(b"\r\n" if b"\r\n" in data else b"\n")] if restored.endswith(b"\n") else restored
    assert restored == data
    # idempotent
    again = fix(out, opts)
    assert not again.changed, again.reasons
    # the final stage now runs as somebody who is not root
    assert again.skipped and ("not root" in again.skipped or "drops privileges" in again.skipped), again.skipped
    # BuildKit reads the output: the original instructions plus the inserted ones
    if buildkit.AVAILABLE:
        before, after = buildkit.reference(data.decode("utf-8-sig")), buildkit.reference(out.decode("utf-8-sig"))
        if not isinstance(before, str):
            assert not isinstance(after, str), after
            added = sum(1 for ln in res.inserted if ln.startswith(("RUN ", "USER ")))
            assert len(after) == len(before) + added


@given(st.binary(max_size=2000))
def test_fuzz_raw_bytes_only_own_errors(data):
    try:
        res = fix(data)
    except DockerfixError:
        return
    assert isinstance(res.output, bytes)


@given(st.text(alphabet=st.sampled_from(list("FROMRUNUSERroot \\`\n\r\t#:=$\"'[]{}<>-&|;()EOFabc01")), max_size=400))
def test_fuzz_dockerfile_like_text_only_own_errors(text):
    try:
        res = fix(("FROM debian\n" + text).encode())
    except DockerfixError:
        return
    if res.changed:
        assert not fix(res.output).changed
