"""Step 5: what dockerfix knows about base images, loaded from `data/images.toml`.

The knowledge is data, not code: each entry maps image-name patterns (and optional tag patterns)
to a distro family, whether the image has a shell and `useradd`, its default USER, the non-root
users it ships, whether its entrypoint drops privileges itself, and the source of each fact.
Adding an image is one entry in the TOML file (and one fixture).
"""

from __future__ import annotations

import fnmatch
import functools
import re

from .record import dataclass, field
from . import recache

FAMILIES = ("debian", "alpine", "busybox", "rhel", "suse", "arch", "windows", "scratch", "unknown")


@dataclass(frozen=True)
class ImageInfo:
    family: str = "unknown"  # one of FAMILIES
    shell: bool = True  # has /bin/sh
    useradd: bool | None = None  # shadow-utils present (None: follows the family)
    default_user: str = ""  # the image's own USER ("" = root)
    users: dict[str, str] = field(default_factory=dict)  # built-in non-root users: name -> "uid:gid"
    reuse_user: str = ""  # built-in user to switch to instead of creating one
    drops_privileges: bool = False  # entrypoint starts as root and drops privileges itself
    env: dict[str, str] = field(default_factory=dict)  # ENV the image sets that USER lines use
    volumes: tuple[str, ...] = ()  # the image's own VOLUMEs (its program writes them)
    source: str = ""  # where these facts come from
    matched: str = ""  # the knowledge file's patterns that matched (for debugging; never shown)
    evidence: str = ""  # why the facts hold, in words ("its tag names alpine"): what reasons show
    note: str = ""
    # from the image's own configuration (facts.merge), when one was found
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    workdir: str = ""
    facts_from: str = ""  # "knowledge file", "registry", "registry, cached 3 h ago", "podman", ...
    user_known: bool = False  # default_user is known (a knowledge entry, or the image's configuration)
    lookup_note: str = ""  # why the configuration could not be read ("base: registry unreachable: ...")

    @property
    def has_useradd(self) -> bool:
        if self.useradd is not None:
            return self.useradd
        return self.family in ("debian", "rhel", "suse", "arch")


@dataclass(frozen=True)
class ImageRef:
    registry: str | None
    path: str  # repository path without registry, e.g. "library/node" -> "node"
    tag: str | None
    digest: str | None


_RE_REF = recache.compile(r"^(?P<name>[^@]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[A-Za-z0-9_+.-]+:[A-Fa-f0-9]+))?$")


def parse_ref(image: str) -> ImageRef:
    """Split `registry:port/path/name:tag@sha256:...` into its parts (lower-cased path)."""
    image = re.sub(r"\{\{.*?\}\}", "template", image.strip())  # a template's placeholder: an unknown name or tag
    m = _RE_REF.match(image)
    if not m:
        return ImageRef(None, image.lower(), None, None)
    name, tag, digest = m.group("name"), m.group("tag"), m.group("digest")
    parts = name.split("/")
    registry = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts[0].lower()
        parts = parts[1:]
    path = "/".join(parts).lower()
    # Docker Hub's official NAME is library/NAME (registry mirrors keep that path); a path with
    # more components, or a component merely containing "library" (mylibrary/...), is someone else's
    if path.startswith("library/") and path.count("/") == 1:
        path = path[len("library/"):]
    return ImageRef(registry, path, tag, digest)


@dataclass(frozen=True)
class _Rule:
    names: tuple[str, ...]
    tags: tuple[str, ...]
    entry: dict = field(repr=False, default_factory=dict)  # its images.toml entry

    @functools.cached_property
    def literal(self) -> frozenset:
        """Its names without a wildcard: one matches a path only if it is the path or ends it."""
        return frozenset(n for n in self.names if not any(c in n for c in "*?["))

    @functools.cached_property
    def wild(self) -> bool:
        return len(self.literal) < len(self.names)

    def may_match(self, ends: frozenset) -> bool:
        """False when none of its names can match a path whose `/`-separated endings are `ends`
        (a cheap test before the patterns, which decide)."""
        return self.wild or not self.literal.isdisjoint(ends)

    @functools.cached_property
    def info(self) -> ImageInfo:
        """Made when first needed: a run matches one or two of the ~80 entries."""
        return _info(self.entry)


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[_Rule, ...]:
    from .datafiles import load

    data = load("images")
    return tuple(_Rule(tuple(e["names"]), tuple(e.get("tags", ["*"])), e) for e in data.get("image", []))


def _info(entry: dict) -> ImageInfo:
    info = ImageInfo(
        family=entry.get("family", "unknown"),
        shell=entry.get("shell", True),
        useradd=entry.get("useradd"),
        default_user=str(entry.get("default_user", "")),
        users={k: str(v) for k, v in entry.get("users", {}).items()},
        reuse_user=entry.get("reuse_user", ""),
        drops_privileges=entry.get("drops_privileges", False),
        env={k: str(v) for k, v in entry.get("env", {}).items()},
        volumes=tuple(entry.get("volumes", ())),
        source=entry.get("source", ""),
        note=entry.get("note", ""),
    )
    if info.family not in FAMILIES:
        raise ValueError(f"images.toml: unknown family {info.family!r} in {entry}")
    return info


def glob_match(text: str, pattern: str) -> bool:
    """fnmatch.fnmatchcase(text, pattern), without compiling a regular expression for a pattern
    made of literal text and `*` (nearly all of images.toml's: compiling them cost more than all
    the rest of a lookup, on every start); patterns with `?` or `[...]` go to fnmatch."""
    if "?" in pattern or "[" in pattern:  # compiled only when its literal text is there
        head = pattern[:min(i for i in map(pattern.find, "?[") if i >= 0)].split("*")
        return (text.startswith(head[0]) and (len(head) == 1 or head[-1] in text[len(head[0]):])
                and fnmatch.fnmatchcase(text, pattern))
    parts = pattern.split("*")
    if len(parts) == 1:
        return text == pattern
    head, tail = parts[0], parts[-1]
    if len(text) < len(head) + len(tail) or not (text.startswith(head) and text.endswith(tail)):
        return False
    pos, end = len(head), len(text) - len(tail)
    for part in parts[1:-1]:  # each in turn, leftmost: what `*`s between them match is free
        pos = text.find(part, pos, end)
        if pos < 0:
            return False
        pos += len(part)
    return True


def _ends(path: str) -> frozenset:
    parts = path.split("/")
    return frozenset("/".join(parts[i:]) for i in range(len(parts)))


def _name_matches(pattern: str, path: str) -> bool:
    # multi-part names also match under any registry prefix path
    return glob_match(path, pattern) or ("/" in pattern and glob_match(path, "*/" + pattern))


def every_tag(name: str) -> ImageInfo:
    """What the knowledge file says of every tag of the image `name` (a FROM whose tag is left to a
    build argument with no default: `postgres:${PG_VERSION}-alpine`), where it decides whether to
    leave the file: its entrypoint starts as root and drops privileges. ImageInfo() when the
    entries that name the image disagree, or none does (an entry for any name, `*`, is about a
    tag, so it says nothing here). The family stays unknown: the tag may name another one."""
    if not name or any(c in name for c in "$@:{}"):
        return ImageInfo()
    path = parse_ref(name).path
    ends = _ends(path)
    infos = [rule.info for rule in _rules() if rule.may_match(ends)
             if any(pat != "*" and _name_matches(pat, path) for pat in rule.names)]
    if not infos or not all(i.drops_privileges for i in infos):
        return ImageInfo()
    users = {i.reuse_user for i in infos}
    return ImageInfo(drops_privileges=True, reuse_user=users.pop() if len(users) == 1 else "",
                     facts_from="knowledge file", matched=f"{path}:*", source=infos[0].source,
                     evidence=f"dockerfix's knowledge file says so of every tag of {path}")


@functools.lru_cache(maxsize=512)
def known(image: str | None) -> bool:
    """Whether images.toml knows `image` itself (an entry names it), and so its default user:
    an entry for any name (`*`) only knows the distro its tag names (`vendor/app:1-alpine`)."""
    if image is None:
        return False
    if image.lower() == "scratch":
        return True
    path = parse_ref(image).path
    ends = _ends(path)
    return any(pat != "*" and _name_matches(pat, path) for rule in _rules() if rule.may_match(ends)
               for pat in rule.names)


@functools.lru_cache(maxsize=512)
def lookup(image: str | None) -> ImageInfo:
    """Knowledge about `image` (a resolved FROM reference), or ImageInfo() when nothing matches.

    Rules are tried in file order; the first rule whose name and tag patterns match wins, so
    specific tags (node:*alpine*) come before the catch-all entry of the same image.
    """
    if image is None:
        return ImageInfo()
    if image.lower() == "scratch":
        return ImageInfo(family="scratch", shell=False, useradd=False, matched="scratch", user_known=True,
                         facts_from="knowledge file", evidence="scratch is the empty image",
                         source="https://docs.docker.com/build/building/base-images/#create-a-minimal-base-image-using-scratch")
    ref = parse_ref(image)
    tag = (ref.tag or "latest").lower()
    ends = _ends(ref.path)
    for rule in _rules():
        if not rule.may_match(ends):
            continue
        for pat in rule.names:
            if _name_matches(pat, ref.path):
                if any(glob_match(tag, t) for t in rule.tags):
                    info = rule.info
                    return ImageInfo(**{**info.__dict__, "matched": f"{pat}:{'|'.join(rule.tags)}",
                                        "evidence": _evidence(pat, rule.tags, tag, info.source),
                                        "facts_from": "knowledge file", "user_known": known(image)})
    return ImageInfo()


# what a reason says an image is, by family: `base image python:3.14-slim is Debian-based`
FAMILY_WORDS = {"debian": "is Debian-based", "alpine": "is Alpine-based", "busybox": "is BusyBox-based",
                "rhel": "is Red Hat-based", "suse": "is SUSE-based", "arch": "is Arch Linux-based",
                "windows": "is a Windows image", "scratch": "has no shell", "unknown": "is not a distribution dockerfix knows"}
# the family as a name in short messages: `fixed: USER appuser after line 2 (Debian)`
FAMILY_NAMES = {"debian": "Debian", "alpine": "Alpine", "busybox": "BusyBox", "rhel": "Red Hat", "suse": "SUSE",
                "arch": "Arch Linux", "windows": "Windows", "scratch": "no shell", "unknown": "any Linux"}


def _evidence(name: str, tags: tuple[str, ...], tag: str, source: str) -> str:
    """Why the knowledge file's entry applies, in words: the part of the tag that matched
    (`its tag names bookworm`) for an entry about any image, else the images the entry is about
    (and the part of their tag) with its source."""
    said = ""
    for t in tags:
        if t != "*" and glob_match(tag, t):
            said = _tag_words(t, tag)
            break
    if name == "*" and said:
        return f"its tag {said}"
    if name == "*":
        which = "every image"
    elif not any(c in name for c in "*?["):
        which = f"{name} images"
    elif name.endswith("/*") and not any(c in name[:-2] for c in "*?["):
        which = f"images under {name[:-1]}"
    elif name.endswith("*") and not any(c in name[:-1] for c in "*?["):
        which = f"images named {name[:-1]}..."
    else:
        which = f"images named like {name.replace('*', '...')}"
    if said:
        which += f" whose tag {said}"
    url = re.search(r"https?://\S+", source)
    where = url.group(0).rstrip(").,;") if url else source
    return f"dockerfix's knowledge file says so of {which}" + (f" ({where})" if where else "")


def _tag_words(pattern: str, tag: str) -> str:
    """What a tag pattern that matched `tag` says about it: `names alpine`, `starts with 24.04`."""
    words = [w for w in pattern.split("*") if w]
    if "?" in pattern or "[" in pattern or not words:
        return f"is {tag}"
    if "*" not in pattern:
        return f"is {pattern}"
    if len(words) == 1 and not pattern.startswith("*"):
        return f"starts with {words[0]}"
    if len(words) == 1 and not pattern.endswith("*"):
        return f"ends with {words[0]}"
    return f"names {' and '.join(words)}"


def describe_family(family: str) -> str:
    """`a Debian-based image`, `an Alpine-based image`."""
    name = f"{FAMILY_NAMES.get(family, family)}-based image"
    return ("an " if name[0] in "AEIOU" else "a ") + name


def describe(image: str, info: ImageInfo) -> str:
    """`base image python:3.14-slim is Debian-based: its tag names slim`."""
    return f"base image {image} {FAMILY_WORDS.get(info.family, 'is ' + info.family)}" + (
        f": {info.evidence}" if info.evidence else "")
