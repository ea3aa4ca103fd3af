"""Families of variant Dockerfiles: one image built in several versions or flavours.

Repositories that publish images for others keep one Dockerfile per version and variant, all of
one shape: `5.2/slim-bookworm/Dockerfile` beside `5.40/slim-bookworm/Dockerfile`,
`target/<jdk-and-distro>/<tool>/Dockerfile`, `docker/Dockerfile.<target-triple>`,
`images/python3.11.dockerfile` beside `images/python3.10-slim.dockerfile`. Application
repositories rarely do: their several Dockerfiles build different programs (`api/`, `worker/`,
`web/`) or the same program for different uses (`Dockerfile`, `Dockerfile.dev`).

Two Dockerfiles are variants of each other when
- their paths have the same number of folders and the same file-name pattern (`Dockerfile`,
  `Dockerfile.<x>`, `<x>.dockerfile`) and every part in which they differ names a version or a
  flavour on both sides: it holds a digit (`5.40`, `jdk-17`, `x86_64-...`, `python3.11`) or a
  distribution, platform or release-channel word (`alpine`, `bookworm`, `windows`, `musl`, `edge`),
  and its other words agree (`python3.11` and `python3.12-slim`; not `auth-v2` and `billing-v1`);
  a service name (`api`, `worker`) or a use (`dev`, `prod`) is neither; and
- they have the same shape: their instruction sequences (FROM, ENV, RUN, ...) mostly agree
  (`SHAPE` of difflib's ratio), as files rendered from one template or copied per version do.

This module only compares; the rules decide what a family means together with other evidence
(a generator, docs showing `FROM` the image, CI pushing a matrix of tags).
"""

from __future__ import annotations

import re

from .. import lazyre
from ..record import dataclass, field

SHAPE = 0.7  # the least difflib ratio of two instruction sequences that makes them one shape
INSTRUCTIONS = frozenset(("from", "run", "cmd", "label", "maintainer", "expose", "env", "add", "copy", "entrypoint",
                          "volume", "user", "workdir", "arg", "onbuild", "stopsignal", "healthcheck", "shell"))
# words that name a flavour of one image, not a program: distributions and their releases,
# platforms and architectures, C libraries, Java kits (jdk, jre), release channels
VARIANT_WORDS = frozenset("""
alpine debian ubuntu slim bookworm bullseye buster stretch jessie trixie sid focal jammy noble bionic xenial oracular
plucky centos fedora rhel ubi rocky rockylinux alma almalinux oraclelinux amazonlinux amzn opensuse leap tumbleweed
suse sles arch archlinux busybox distroless scratch wolfi chainguard photon mariner azurelinux cbl clearlinux gentoo
void nixos windows windowsservercore servercore nanoserver ltsc linux darwin macos freebsd netbsd openbsd android
illumos solaris musl gnu glibc uclibc eabi eabihf gnueabi gnueabihf musleabi musleabihf msvc mingw emscripten wasi
amd64 arm64 arm64v8 arm32v7 arm32v6 armhf armel aarch64 x86 i386 i686 ppc64le s390x mips mipsel riscv64 loongarch64
jdk jre
edge latest stable nightly lts beta rc canary unstable testing oldstable
""".split())
VERSIONISH_RE = lazyre.compile(r"\d")
DOCKERFILE_NAME_RE = lazyre.compile(
    r"^(?:(?P<pre>Dockerfile|Containerfile)(?:[._-](?P<suf>[\w.-]+))?|(?P<stem>[\w.-]+)\.(?P<ext>[Dd]ockerfile|Containerfile))$")
TEMPLATE_EXT_RE = lazyre.compile(r"\.(?:template|tmpl|tpl|j2|jinja2?|in|erb|mustache|hbs|liquid|ejs)$", re.I)


def skeleton(text: str) -> tuple[str, ...]:
    """The instruction keywords of a Dockerfile's text, in order (comments, continuation lines and
    heredoc bodies are not instructions; a heredoc's body may look like one: close enough)."""
    out = []
    cont = False
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not cont:
            word = s.split(None, 1)[0].lower()
            if word in INSTRUCTIONS:
                out.append(word)
        cont = s.endswith(("\\", "`"))
    return tuple(out[:400])


def variantish(part: str) -> bool:
    """A path part or file-name part that names a version or a flavour (`5.40`, `slim-bookworm`,
    `x86_64-unknown-linux-gnu`, `python3.11`), not a program or a use (`api`, `dev`)."""
    if not part:
        return False
    if VERSIONISH_RE.search(part):
        return True
    return any(w in VARIANT_WORDS for w in re.split(r"[-_.+]", part.lower()) if w)


def _token_variant(token: str) -> bool:
    return bool(VERSIONISH_RE.search(token)) or token in VARIANT_WORDS


def _stem(part: str) -> tuple[str, ...]:
    """The words of a path part that name no version or flavour: `auth` of `auth-v2`, nothing of
    `slim-bookworm`, `unknown` of `x86_64-unknown-linux-gnu`."""
    return tuple(t for t in re.split(r"[-_.+]", part.lower()) if t and not _token_variant(t))


def _variants_of_one(a: str, b: str) -> bool:
    """Two path parts that name versions or flavours of one thing: both do, and the words that are
    neither agree (`python3.11` and `python3.12-slim`; not `auth-v2` and `billing-v1`)."""
    return variantish(a) and variantish(b) and _stem(a) == _stem(b)


def _shape(rel: str) -> tuple[str, ...] | None:
    """A Dockerfile's path as parts, its file name reduced to its pattern plus its variable part:
    `docker/Dockerfile.x86_64-linux` -> ("docker", "Dockerfile.*", "x86_64-linux")."""
    parts = rel.split("/")
    name = parts[-1]
    m = DOCKERFILE_NAME_RE.match(name)
    if m is None or TEMPLATE_EXT_RE.search(name):
        return None
    if m.group("pre"):
        pattern, var = (f"{m.group('pre')}.*", m.group("suf")) if m.group("suf") else (m.group("pre"), "")
    else:
        pattern, var = f"*.{m.group('ext')}", m.group("stem")
    return (*parts[:-1], pattern, var)


@dataclass
class Family:
    """The variants of one Dockerfile: `members` (relative paths, itself first) and `varies`, the
    parts in which it differs from them (`5.40`, `x86_64-unknown-linux-gnu`)."""

    members: list = field(default_factory=list)
    varies: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return len(self.members) > 1


def family(rel: str, dockerfiles: list[str], skeletons: dict) -> Family:
    """The family of the Dockerfile at `rel` among the repository's `dockerfiles` (relative paths),
    `skeletons` their instruction sequences (a file not read has none and is no member)."""
    me = _shape(rel)
    mine = skeletons.get(rel)
    fam = Family([rel])
    if me is None or not mine:
        return fam
    matcher = None  # difflib is imported only when a path qualifies (start-up cost: tests/test_startup.py)
    for other in dockerfiles:
        if other == rel:
            continue
        them = _shape(other)
        if them is None or len(them) != len(me) or them[-2] != me[-2]:
            continue
        diff = [(a, b) for a, b in zip(me, them) if a != b]
        if not diff or not all(_variants_of_one(a, b) for a, b in diff):
            continue
        seq = skeletons.get(other)
        if not seq:
            continue
        if matcher is None:
            import difflib

            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(mine)
        matcher.set_seq1(seq)
        if matcher.real_quick_ratio() < SHAPE or matcher.quick_ratio() < SHAPE or matcher.ratio() < SHAPE:
            continue
        fam.members.append(other)
        for a, _b in diff:
            if a not in fam.varies:
                fam.varies.append(a)
        if len(fam.members) > 40:
            break
    return fam


def variant_names(fam: Family) -> list[str]:
    """The version and flavour parts of the family's paths (`5.40`, `aarch64-unknown-linux-gnu`)."""
    out = []
    for m in fam.members:
        shape = _shape(m) or ()
        for part in shape[:-2] + shape[-1:]:
            if part and variantish(part) and part not in out:
                out.append(part)
    return out


def is_template_name(name: str) -> bool:
    """A Dockerfile template's name: `Dockerfile.tmpl`, `Dockerfile-linux.template`, `x.Dockerfile.j2`."""
    return bool(TEMPLATE_EXT_RE.search(name)) and bool(re.search(r"(?:docker|container)file", name, re.I))


def rendered(rel: str, mine: tuple, dockerfiles: list[str], skeletons: dict) -> Family:
    """The Dockerfiles a template at `rel` (its instruction sequence `mine`) renders: of its shape,
    each in a family of variants, and under a folder path ending with the template's own folder
    (`alpine/core/Dockerfile.tmpl` -> `3.9/alpine/core/Dockerfile`; a template at the root: any)."""
    import difflib

    fam = Family([rel])
    if not mine:
        return fam
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(mine)
    for other in dockerfiles:
        if other == rel or (folder and not ("/" + other).endswith("/" + folder + "/" + other.rsplit("/", 1)[-1])):
            continue
        seq = skeletons.get(other)
        if not seq:
            continue
        matcher.set_seq1(seq)
        if matcher.real_quick_ratio() < SHAPE or matcher.quick_ratio() < SHAPE or matcher.ratio() < SHAPE:
            continue
        if not family(other, dockerfiles, skeletons):
            continue
        fam.members.append(other)
        shape = _shape(other) or ()
        for part in shape[:-2]:
            if variantish(part) and part not in fam.varies:
                fam.varies.append(part)
        if len(fam.members) > 40:
            break
    return fam
